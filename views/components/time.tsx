// Timestamps render as UTC text with a machine-readable datetime; durations as compact "1m 3.2s".
export function Time({ ts }: { ts: string | null | undefined }) {
  if (!ts) return <span class="muted">—</span>;
  const text = ts.replace("T", " ").slice(0, 19);
  return (
    <time datetime={ts} title={ts} safe>
      {text}
    </time>
  );
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${Math.round(seconds % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}
