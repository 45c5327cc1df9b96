// A deployment's last runs as a row of small bars, oldest first, coloured by state type (the same
// state-* colours as the badges and the history chart); each bar names its run and state.
export interface RunBar {
  id: string;
  name: string;
  state_type: string | null;
  state_name: string | null;
}

export function RunBars({ runs, label }: { runs: RunBar[]; label: string }) {
  if (!runs.length) return <span class="muted">No runs yet</span>;
  const w = 8;
  const gap = 3;
  const width = runs.length * (w + gap) - gap;
  return (
    <svg
      class="run-bars"
      viewBox={`0 0 ${width} 16`}
      width={String(width)}
      height="16"
      role="img"
      aria-label={label}
      style="vertical-align:middle"
    >
      {[...runs].reverse().map((r, i) => (
        <rect
          x={String(i * (w + gap))}
          y="0"
          width={String(w)}
          height="16"
          rx="1.5"
          fill="currentColor"
          class={`state-${(r.state_type ?? "none").toLowerCase()}`}
        >
          <title safe>{`${r.name}: ${r.state_name ?? r.state_type ?? "no state"}`}</title>
        </rect>
      ))}
    </svg>
  );
}
