// What workers are handed: a pool's (or some of its queues') Scheduled runs due by `scheduled_before`,
// highest-priority queue first and soonest first within it, never more than the pool's and each queue's
// free concurrency slots (runs Pending, Running or Cancelling hold one), nothing from a paused pool or
// queue, and never a run waiting for an in-process retry (its own process runs it again). Also the
// legacy /work_queues/{id}/get_runs. Reads only; marking the queues polled is the caller's next step.
import { AppError } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { type FlowRunJson, flowRunJson, runSelect } from "./run-shapes.ts";
import { list } from "./sql.ts";
import { poolSlotsOp } from "./work-pools.ts";
import { activeSlotsOp, pollsDueOp, queueByIdOp, type QueueChange } from "./work-queues.ts";

const { columns: RUN_COLUMNS, from: RUN_FROM, codec: RUN_CODEC } = runSelect("flow_run");

export interface WorkerFlowRun {
  work_pool_id: string;
  work_queue_id: string;
  flow_run: FlowRunJson;
}

export interface ScheduledQuery {
  before: string | null;
  after: string | null;
  limit: number;
}

interface QueueRow {
  id: string;
  name: string;
  priority: number;
  is_paused: boolean;
  concurrency_limit: number | null;
  status: string;
}

export type { QueueChange };

interface Budgets {
  /** The most runs the poll may hand out in all (its limit, within the pool's free slots). */
  total: number;
  /** The queues it reads, by priority, with how many runs each may hand out. */
  queues: Array<{ queue: QueueRow; n: number }>;
}

function* budgetsOp(pool: Row, queues: QueueRow[], limit: number): Op<Budgets> {
  const none = { total: 0, queues: [] };
  if (pool.is_paused) return none;
  const open = queues.filter((q) => !q.is_paused);
  let poolFree = limit;
  if (pool.concurrency_limit !== null) {
    const held = (yield* poolSlotsOp([pool.id as string])).get(pool.id as string) ?? 0;
    poolFree = Math.min(limit, Math.max(0, Number(pool.concurrency_limit) - held));
  }
  if (poolFree <= 0) return none;
  const limited = open.filter((q) => q.concurrency_limit !== null).map((q) => q.id);
  const held = yield* activeSlotsOp(limited);
  const budgets = open
    .map((queue) => ({
      queue,
      n:
        queue.concurrency_limit === null
          ? poolFree
          : Math.min(poolFree, Math.max(0, queue.concurrency_limit - (held.get(queue.id) ?? 0))),
    }))
    .filter((b) => b.n > 0);
  return { total: poolFree, queues: budgets };
}

/** Each queue's soonest due runs (at most its budget), in one statement of per-queue index reads. */
function* dueRunsOp(b: Budgets, q: ScheduledQuery): Op<Row[]> {
  const budgets = b.queues;
  if (!budgets.length) return [];
  const window = sql`${q.before ? sql`AND next_scheduled_start_time <= ${q.before}` : sql``}
    ${q.after ? sql`AND next_scheduled_start_time >= ${q.after}` : sql``}`;
  const parts = budgets.map(
    (b) => sql`SELECT * FROM (SELECT id, work_queue_id, next_scheduled_start_time FROM flow_run
      WHERE work_queue_id = ${b.queue.id} AND state_type = 'SCHEDULED' ${window}
        AND coalesce(empirical_policy ->> 'retry_type', '') <> 'in_process'
      ORDER BY next_scheduled_start_time, id LIMIT ${b.n}) q`,
  );
  const picked = yield* rows<{ id: string; work_queue_id: string; next_scheduled_start_time: string }>(
    sql.join(parts, sql` UNION ALL `),
  );
  const rank = new Map(budgets.map((b, i) => [b.queue.id, i]));
  picked.sort(
    (a, b) =>
      rank.get(a.work_queue_id)! - rank.get(b.work_queue_id)! ||
      a.next_scheduled_start_time.localeCompare(b.next_scheduled_start_time) ||
      a.id.localeCompare(b.id),
  );
  const ids = picked.slice(0, b.total).map((r) => r.id);
  if (!ids.length) return [];
  const full = yield* rows<Row>(
    sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE flow_run.id IN (${list(ids)})`,
    RUN_CODEC,
  );
  const byId = new Map(full.map((r) => [r.id as string, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is Row => r !== undefined);
}

export function workPoolRunsStore(driver: Driver) {
  return {
    /**
     * A worker's poll of a pool, or of the named queues in it. Returns the handed-out runs and what the
     * poll has to mark READY (usually nothing: see pollsDueOp). Unknown pools and queues are Prefect's
     * 404s.
     */
    scheduled(
      poolName: string,
      queueNames: string[] | null,
      q: ScheduledQuery,
    ): Promise<{ runs: WorkerFlowRun[]; due: { queues: string[]; deployments: string[] } }> {
      return driver.read(function* () {
        const pool = yield* row<Row>(sql`SELECT * FROM work_pool WHERE name = ${poolName}`);
        if (!pool) throw new AppError("not_found", `Work pool "${poolName}" not found.`);
        const all = yield* rows<QueueRow>(sql`
          SELECT id, name, priority, is_paused, concurrency_limit, status FROM work_queue
          WHERE work_pool_id = ${pool.id as string} ORDER BY priority, name`);
        let queues = all;
        if (queueNames?.length) {
          const byName = new Map(all.map((x) => [x.name, x]));
          queues = queueNames.map((name) => {
            const found = byName.get(name);
            if (!found) throw new AppError("not_found", `Work pool queue '${poolName}/${name}' not found.`);
            return found;
          });
          queues = [...new Set(queues)].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
        }
        const picked = yield* dueRunsOp(yield* budgetsOp(pool, queues, q.limit), q);
        const now = nowTimestamp();
        return {
          runs: picked.map((r) => ({
            work_pool_id: pool.id as string,
            work_queue_id: r.work_queue_id as string,
            flow_run: flowRunJson(r, now),
          })),
          due: yield* pollsDueOp(
            queues.map((x) => x.id),
            now,
          ),
        };
      });
    },

    /** The legacy queue poll: a queue's due runs within its free slots (null: no such queue). */
    queueRuns(queueId: string, q: ScheduledQuery): Promise<FlowRunJson[] | null> {
      return driver.read(function* () {
        const queue = yield* queueByIdOp(queueId);
        if (!queue) return null;
        const pool = yield* row<Row>(sql`SELECT * FROM work_pool WHERE id = ${queue.work_pool_id as string}`);
        const qr = queue as unknown as QueueRow;
        // Prefect's queue poll ignores the pool's pause and limit; only the queue's own count.
        const budgets = yield* budgetsOp({ ...pool!, is_paused: false, concurrency_limit: null }, [qr], q.limit);
        const now = nowTimestamp();
        return (yield* dueRunsOp(budgets, q)).map((r) => flowRunJson(r, now));
      });
    },
  };
}

export type WorkPoolRunsStore = ReturnType<typeof workPoolRunsStore>;
