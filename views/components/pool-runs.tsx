// The runs of a work pool or queue: those waiting (Scheduled, soonest first, Late ones included) and those
// holding its concurrency slots.
import { Empty } from "./empty.tsx";
import { RunsTable, type RunRow } from "./runs-table.tsx";

/** The runs waiting in a pool or queue, soonest first, and the runs holding its slots. */
export function PoolRuns({ upcoming, running }: { upcoming: RunRow[]; running: RunRow[] }) {
  return (
    <>
      <section class="card" aria-labelledby="upcoming-h">
        <h2 id="upcoming-h">Upcoming runs</h2>
        {upcoming.length ? <RunsTable runs={upcoming} /> : <Empty title="No scheduled runs" />}
      </section>
      <section class="card" aria-labelledby="running-h">
        <h2 id="running-h">Running</h2>
        <p class="muted small">Pending, running and cancelling runs: each holds a concurrency slot.</p>
        {running.length ? <RunsTable runs={running} /> : <Empty title="Nothing running" />}
      </section>
    </>
  );
}
