// The run-history chart as inline SVG rendered on the server: one stacked bar per interval, coloured by
// state type. No client-side charting library.
export interface HistoryBucket {
  interval_start: string;
  interval_end: string;
  states: Array<{ state_type: string | null; count_runs: number }>;
}

const ORDER = [
  "COMPLETED",
  "RUNNING",
  "PENDING",
  "SCHEDULED",
  "PAUSED",
  "CANCELLING",
  "CANCELLED",
  "FAILED",
  "CRASHED",
];

export function HistoryChart({ buckets, label }: { buckets: HistoryBucket[]; label: string }) {
  const width = 720;
  const height = 120;
  const max = Math.max(1, ...buckets.map((b) => b.states.reduce((n, s) => n + s.count_runs, 0)));
  const barW = width / Math.max(1, buckets.length);
  const bars = buckets.flatMap((b, i) => {
    let y = height;
    const sorted = [...b.states].sort((a, c) => ORDER.indexOf(a.state_type ?? "") - ORDER.indexOf(c.state_type ?? ""));
    return sorted.map((s) => {
      const h = (s.count_runs / max) * (height - 4);
      y -= h;
      const title = `${b.interval_start.slice(0, 16).replace("T", " ")}: ${s.count_runs} ${s.state_type ?? "no state"}`;
      return (
        <rect
          x={String(i * barW + 1)}
          y={String(y)}
          width={String(Math.max(1, barW - 2))}
          height={String(h)}
          class={`bar state-${(s.state_type ?? "none").toLowerCase()}`}
        >
          <title safe>{title}</title>
        </rect>
      );
    });
  });
  return (
    <svg class="history" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <line x1="0" y1={String(height - 0.5)} x2={String(width)} y2={String(height - 0.5)} class="axis" />
      {bars}
    </svg>
  );
}
