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
import { activeSlotsOp, pollsDueOp, queueByIdOp } from "./work-queues.ts";

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
  /**
   * Runs other pollers were handed moments ago, answered after the others, and where this poll's own
   * picks are recorded (orchestration/handouts.ts).
   */
  recent?: { has(runId: string): boolean; countIn(queueId: string): number; add(runId: string, queueId: string): void };
}

/** The most extra runs a queue's read takes to look past those handed out lately. */
const MAX_LOOK_PAST = 500;

interface QueueRow {
  id: string;
  name: string;
  priority: number;
  is_paused: boolean;
  concurrency_limit: number | null;
  status: string;
}

interface Budgets {
  /** The most runs the poll may hand out in all (its limit, within the pool's free slots). */
  total: number;
  /**
   * The queues it reads, by priority, with how many runs each may hand out, and whether they may be
   * spread over pollers: only where no limit counts slots (two workers starting two different runs of
   * a queue with one free slot would both be let in; handed the same run, one is ABORTed).
   */
  queues: Array<{ queue: QueueRow; n: number; spread: boolean }>;
}

function* budgetsOp(pool: Row, queues: QueueRow[], limit: number): Op<Budgets> {
  const none: Budgets = { total: 0, queues: [] };
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
      spread: pool.concurrency_limit === null && queue.concurrency_limit === null,
      n:
        queue.concurrency_limit === null
          ? poolFree
          : Math.min(poolFree, Math.max(0, queue.concurrency_limit - (held.get(queue.id) ?? 0))),
    }))
    .filter((b) => b.n > 0);
  return { total: poolFree, queues: budgets };
}

type Candidate = { id: string; work_queue_id: string };

/**
 * The runs to hand out: queue by queue in priority order, each queue's soonest due runs within its
 * budget, first those no other poller was handed lately, then (only if the poll still has room) those.
 * A queue is read again, further, while what it read was all handed out to pollers that read it at the
 * same time (PostgreSQL serves polls concurrently); the choice and its record happen with no await
 * between them, so two polls never both pick one run as "not handed out". Usually one statement for
 * all the queues.
 */
function* pickRunsOp(b: Budgets, q: ScheduledQuery): Op<string[]> {
  const window = sql`${q.before ? sql`AND next_scheduled_start_time <= ${q.before}` : sql``}
    ${q.after ? sql`AND next_scheduled_start_time >= ${q.after}` : sql``}`;
  const select = (queueId: string, limit: number) => sql`SELECT * FROM (SELECT id, work_queue_id FROM flow_run
      WHERE work_queue_id = ${queueId} AND state_type = 'SCHEDULED' ${window}
        AND coalesce(empirical_policy ->> 'retry_type', '') <> 'in_process'
      ORDER BY next_scheduled_start_time, id LIMIT ${limit}) q`;
  const past = (qb: Budgets["queues"][number]) =>
    qb.spread ? Math.min(MAX_LOOK_PAST, q.recent?.countIn(qb.queue.id) ?? 0) : 0;
  // Every queue's candidates in one statement (one round trip on PostgreSQL).
  const limits = b.queues.map((qb) => Math.min(qb.n, b.total) + past(qb));
  const first = yield* rows<Candidate>(
    sql.join(
      b.queues.map((qb, i) => select(qb.queue.id, limits[i]!)),
      sql` UNION ALL `,
    ),
  );
  const byQueue = new Map<string, Candidate[]>();
  for (const r of first) byQueue.set(r.work_queue_id, [...(byQueue.get(r.work_queue_id) ?? []), r]);
  const picked: Candidate[] = [];
  const passedOver: Array<{ left: number; runs: Candidate[] }> = [];
  let room = b.total;
  for (const [i, qb] of b.queues.entries()) {
    if (room <= 0) break;
    const want = Math.min(qb.n, room);
    const mine = new Set<string>();
    let runs = byQueue.get(qb.queue.id) ?? [];
    let limit = limits[i]!;
    for (let attempt = 0; ; attempt++) {
      for (const r of runs) {
        if (mine.size >= want) break;
        if (mine.has(r.id) || (qb.spread && q.recent?.has(r.id))) continue;
        mine.add(r.id);
        picked.push(r);
        if (qb.spread) q.recent?.add(r.id, r.work_queue_id);
      }
      // Read further only while concurrent polls took all this one read and the queue has more.
      if (mine.size >= want || runs.length < limit || attempt >= 3) break;
      limit = want + past(qb);
      runs = yield* rows<Candidate>(select(qb.queue.id, limit));
    }
    room -= mine.size;
    passedOver.push({ left: want - mine.size, runs: runs.filter((r) => !mine.has(r.id)) });
  }
  // Room left: the runs other pollers are starting, as Prefect hands them (the PENDING race decides).
  for (const p of passedOver) {
    for (const r of p.runs.slice(0, Math.min(p.left, room))) {
      picked.push(r);
      room--;
    }
  }
  return picked.map((r) => r.id);
}

/** The chosen runs as flow-run rows, in the order chosen. */
function* dueRunsOp(b: Budgets, q: ScheduledQuery): Op<Row[]> {
  if (!b.queues.length) return [];
  const ids = yield* pickRunsOp(b, q);
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
        // The pool and its queues in one statement (a pool always has its default queue).
        const joined = yield* rows<Row>(sql`
          SELECT work_pool.id AS pool_id, work_pool.is_paused AS pool_paused,
            work_pool.concurrency_limit AS pool_limit, work_queue.id, work_queue.name, work_queue.priority,
            work_queue.is_paused, work_queue.concurrency_limit, work_queue.status
          FROM work_pool LEFT JOIN work_queue ON work_queue.work_pool_id = work_pool.id
          WHERE work_pool.name = ${poolName} ORDER BY work_queue.priority, work_queue.name`);
        if (!joined.length) throw new AppError("not_found", `Work pool "${poolName}" not found.`);
        const pool: Row = {
          id: joined[0]!.pool_id,
          is_paused: joined[0]!.pool_paused === true || joined[0]!.pool_paused === 1,
          concurrency_limit: joined[0]!.pool_limit ?? null,
        };
        const all = joined.filter((r) => r.id !== null) as unknown as QueueRow[];
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
