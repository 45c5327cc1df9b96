// The reads the upkeep services sweep with (services/late-runs.ts, pause-expirations.ts,
// cancellation-cleanup.ts): small keyset-paged batches of run ids, as Prefect's services select them.
// The services then change each run's state through the transition entry point, one run at a time,
// so every rule and event applies as for any other transition.
import type { Driver, Row } from "../db/driver.ts";
import { rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { list } from "./sql.ts";

/** Below every id, as text on SQLite and as a uuid on PostgreSQL. */
const FIRST = "00000000-0000-0000-0000-000000000000";
// Prefect's NON_TERMINAL_STATES.
const NOT_TERMINAL = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"] as const;

export function runSweepsStore(driver: Driver) {
  const read = <T>(statement: ReturnType<typeof sql>) =>
    driver.read(function* () {
      return yield* rows<T>(statement);
    });
  return {
    /** Runs still Scheduled (not yet Late) whose start was due before `before` (MarkLateRuns). */
    dueScheduled(before: string, limit: number) {
      return read<{ id: string; next_scheduled_start_time: string | null }>(sql`
        SELECT id, next_scheduled_start_time FROM flow_run
        WHERE state_type = 'SCHEDULED' AND state_name = 'Scheduled' AND next_scheduled_start_time <= ${before}
        ORDER BY next_scheduled_start_time LIMIT ${limit}`);
    },

    /** Paused runs after `afterId`, with their pause timeout (FailExpiredPauses). */
    async paused(afterId: string | null, limit: number) {
      const rs = await read<Row>(sql`
        SELECT flow_run.id, st.state_details FROM flow_run LEFT JOIN flow_run_state st ON st.id = flow_run.state_id
        WHERE flow_run.state_type = 'PAUSED' AND flow_run.id > ${afterId ?? FIRST} ORDER BY flow_run.id LIMIT ${limit}`);
      return rs.map((r) => ({
        id: r.id as string,
        pause_timeout: ((r.state_details as Record<string, unknown> | null)?.pause_timeout as string | null) ?? null,
      }));
    },

    /** Runs that entered Cancelling at or before `before` and are still there. */
    cancellingSince(before: string, afterId: string | null, limit: number) {
      return read<{ id: string }>(sql`
        SELECT id FROM flow_run WHERE state_type = 'CANCELLING' AND state_timestamp <= ${before} AND id > ${afterId ?? FIRST}
        ORDER BY id LIMIT ${limit}`);
    },

    /** Runs that ended Cancelled since `since` and still have unfinished task runs. */
    cancelledWithOpenTasks(since: string, afterId: string | null, limit: number) {
      return read<{ id: string }>(sql`
        SELECT flow_run.id FROM flow_run
        WHERE flow_run.state_type = 'CANCELLED' AND flow_run.end_time >= ${since} AND flow_run.id > ${afterId ?? FIRST}
          AND EXISTS (SELECT 1 FROM task_run WHERE task_run.flow_run_id = flow_run.id AND task_run.state_type IN (${list([...NOT_TERMINAL])}))
        ORDER BY flow_run.id LIMIT ${limit}`);
    },

    /** Unfinished task runs of a flow run. */
    openTaskRuns(flowRunId: string, limit: number) {
      return read<{ id: string }>(sql`
        SELECT id FROM task_run WHERE flow_run_id = ${flowRunId} AND state_type IN (${list([...NOT_TERMINAL])})
        ORDER BY id LIMIT ${limit}`);
    },

    /** Unfinished subflow runs whose parent flow run (through their parent task run) was cancelled. */
    subflowsOfCancelled(afterId: string | null, limit: number) {
      return read<{ id: string; deployment_id: string | null; state_type: string }>(sql`
        SELECT sub.id, sub.deployment_id, sub.state_type FROM flow_run sub
        JOIN task_run parent_task ON parent_task.id = sub.parent_task_run_id
        JOIN flow_run parent ON parent.id = parent_task.flow_run_id
        WHERE sub.state_type IN (${list([...NOT_TERMINAL])}) AND parent.state_type = 'CANCELLED' AND sub.id > ${afterId ?? FIRST}
        ORDER BY sub.id LIMIT ${limit}`);
    },
  };
}

export type RunSweepsStore = ReturnType<typeof runSweepsStore>;
