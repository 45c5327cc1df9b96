import { Empty } from "../components/empty.tsx";
import { HistoryChart, type HistoryBucket } from "../components/history-chart.tsx";
import { RunsTable, type RunRow } from "../components/runs-table.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { Layout } from "../layout.tsx";

export interface DashboardProps {
  window: string;
  windows: Array<[string, string]>;
  counts: Array<{ state_type: string | null; state_name: string | null; count: number }>;
  total: number;
  history: HistoryBucket[];
  failures: RunRow[];
  late: RunRow[];
  /** The next Scheduled runs. */
  upcoming: RunRow[];
  taskCounts: Array<{ state_type: string | null; count: number }>;
  csrfToken: string;
}

export function DashboardPage(p: DashboardProps) {
  const taskTotal = p.taskCounts.reduce((n, c) => n + Number(c.count), 0);
  return (
    <Layout title="Dashboard" section="dashboard" csrfToken={p.csrfToken}>
      <div class="page-head">
        <h1>Dashboard</h1>
        <form class="inline" method="get" action="/">
          <label for="window">Window</label>
          <select id="window" name="window" data-autosubmit>
            {p.windows.map(([value, label]) => (
              <option value={value} selected={value === p.window} safe>
                {label}
              </option>
            ))}
          </select>
          <noscript>
            <button type="submit">Apply</button>
          </noscript>
        </form>
      </div>
      <section
        class="card"
        aria-labelledby="runs-h"
        hx-get={`/?window=${p.window}`}
        hx-trigger="every 10s"
        hx-select="#dashboard-live"
        hx-target="#dashboard-live"
        hx-swap="outerHTML"
      >
        <div id="dashboard-live" aria-live="polite">
          <h2 id="runs-h">
            Flow runs <span class="muted" safe>{`(${p.total})`}</span>
          </h2>
          {p.counts.length ? (
            <ul class="counts">
              {p.counts.map((c) => (
                <li>
                  <a href={`/runs?state=${c.state_type ?? ""}&since=${p.window}`}>
                    <StateBadge type={c.state_type} name={c.state_name} /> <strong safe>{String(c.count)}</strong>
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <Empty
              title="No flow runs in this window"
              hint="Run a flow with PREFECT_API_URL pointing here and it shows up."
            />
          )}
          <HistoryChart buckets={p.history} label="Flow runs over time by state" />
        </div>
      </section>
      <div class="grid-2">
        <section class="card" aria-labelledby="fail-h">
          <h2 id="fail-h">Recent failures</h2>
          {p.failures.length ? <RunsTable runs={p.failures} /> : <Empty title="No failed runs" />}
        </section>
        <section class="card" aria-labelledby="late-h">
          <h2 id="late-h">Late runs</h2>
          {p.late.length ? <RunsTable runs={p.late} /> : <Empty title="No late runs" />}
        </section>
      </div>
      <section class="card" aria-labelledby="upcoming-h">
        <h2 id="upcoming-h">Upcoming runs</h2>
        {p.upcoming.length ? <RunsTable runs={p.upcoming} /> : <Empty title="No scheduled runs" />}
        <p>
          <a href="/runs?state=SCHEDULED&since=all&sort=EXPECTED_START_TIME_ASC">All scheduled runs →</a>
        </p>
      </section>
      <section class="card" aria-labelledby="tasks-h">
        <h2 id="tasks-h">
          Task runs <span class="muted" safe>{`(${taskTotal})`}</span>
        </h2>
        {p.taskCounts.length ? (
          <ul class="counts">
            {p.taskCounts.map((c) => (
              <li>
                <StateBadge
                  type={c.state_type}
                  name={c.state_type ? c.state_type.charAt(0) + c.state_type.slice(1).toLowerCase() : null}
                />{" "}
                <strong safe>{String(c.count)}</strong>
              </li>
            ))}
          </ul>
        ) : (
          <Empty title="No task runs in this window" />
        )}
      </section>
    </Layout>
  );
}
