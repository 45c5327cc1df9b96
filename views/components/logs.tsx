// A run's logs. While the run is active the block polls itself every two seconds, so new lines appear
// without a reload; once the run is finished the returned block has no trigger and polling stops.
export interface LogLine {
  id: string;
  timestamp: string;
  level: number;
  name: string;
  message: string;
  task_run_id: string | null;
}

export const LEVELS: Array<[number, string]> = [
  [0, "All levels"],
  [10, "Debug and up"],
  [20, "Info and up"],
  [30, "Warning and up"],
  [40, "Error and up"],
  [50, "Critical"],
];

const levelName = (l: number) =>
  l >= 50 ? "CRITICAL" : l >= 40 ? "ERROR" : l >= 30 ? "WARNING" : l >= 20 ? "INFO" : "DEBUG";

export function Logs(p: { runId: string; logs: LogLine[]; level: number; live: boolean; truncated: boolean }) {
  const src = `/runs/${p.runId}/logs?level=${p.level}`;
  const poll = p.live ? { "hx-get": src, "hx-trigger": "every 2s", "hx-swap": "outerHTML" } : {};
  return (
    <div id="logs" class="logs" aria-live="polite" {...poll}>
      {p.logs.length ? (
        <ol class="log-lines">
          {p.logs.map((l) => (
            <li class={`log level-${levelName(l.level).toLowerCase()}`}>
              <time datetime={l.timestamp} safe>
                {l.timestamp.slice(11, 23)}
              </time>
              <span class="lvl">{levelName(l.level)}</span>
              <span class="logger" safe>
                {l.name}
              </span>
              <span class="msg" safe>
                {l.message}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{p.live ? "Waiting for logs…" : "No logs."}</p>
      )}
      {p.truncated ? <p class="muted">Showing the first 1,000 lines.</p> : ""}
    </div>
  );
}
