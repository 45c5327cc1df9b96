// Work pools and their workers: a pool is made with its default queue; its status follows Prefect's
// rules (PAUSED while paused, otherwise READY while a worker is ONLINE, NOT_READY when none is); a
// worker's heartbeat upserts it ONLINE and wakes a NOT_READY pool; the foreman's passes mark silent
// workers OFFLINE and pools without online workers NOT_READY. Every change returns the pool before and
// after (and the id of its status event) so the caller announces it after the commit.
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { WorkPoolInput, WorkPoolPatch, WorkQueueInput } from "../schemas/work-pools.ts";
import type { FilterBody, Page } from "./page.ts";
import { fragmentsFor, list, raw } from "./sql.ts";
import { workerWhere, workPoolWhere } from "./work-pool-filters.ts";
import {
  AGENT_POOL_TYPE,
  SLOT_STATES_SQL,
  type WorkerJson,
  workerJson,
  type Made,
  type WorkPoolJson,
  workPoolJson,
  workQueueJson,
} from "./work-pool-shapes.ts";
import { agentsPoolOp, insertPoolOp, poolRowOp } from "./work-pool-ops.ts";
import {
  activeSlotsOp,
  detachQueuesOp,
  slotHoldersOp,
  insertQueueOp,
  type QueueChange,
  queueByIdOp,
  queuesJsonOp,
} from "./work-queues.ts";

/** How stale a worker's last_heartbeat_time may get before a heartbeat writes it again (at most). */
export const HEARTBEAT_WRITE_SECONDS = 5;

/** Prefect links a pool's status event to the previous one when that came less than 10 minutes before. */
const FOLLOWS_WITHIN_SECONDS = 600;
const SLOTS = raw(SLOT_STATES_SQL);

/** A pool change: before (null: created) and after; `status` when the status changed. */
export interface PoolChange {
  before: WorkPoolJson | null;
  after: WorkPoolJson;
  status: { eventId: string; occurred: string; follows: string | null } | null;
  /** The pool's queues, when it was created (its default queue) or deleted (all of them). */
  queues: QueueChange[];
}

/** Runs holding one of a pool's slots, for pools with a limit. */
export function* poolSlotsOp(poolIds: string[]): Op<Map<string, number>> {
  if (!poolIds.length) return new Map();
  const rs = yield* rows<{ work_pool_id: string; n: number }>(sql`
    SELECT wq.work_pool_id, count(*) AS n FROM flow_run JOIN work_queue wq ON wq.id = flow_run.work_queue_id
    WHERE wq.work_pool_id IN (${list(poolIds)}) AND flow_run.state_type IN (${SLOTS}) GROUP BY wq.work_pool_id`);
  return new Map(rs.map((r) => [r.work_pool_id, Number(r.n)]));
}

function* poolsJsonOp(rs: Row[]): Op<WorkPoolJson[]> {
  const slots = yield* poolSlotsOp(rs.filter((r) => r.concurrency_limit !== null).map((r) => r.id as string));
  return rs.map((r) => workPoolJson(r, slots.get(r.id as string) ?? 0));
}

export function workPoolsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* jsonOf(id: string): Op<WorkPoolJson> {
    return (yield* poolsJsonOp([(yield* poolRowOp(sql`id = ${id}`, d))!]))[0]!;
  }

  /**
   * Moves the pool from the status read to `status` (with the bookkeeping of its event), only if it
   * still has the status read: of two transactions racing for the same change (PostgreSQL) one makes
   * it. The UPDATE's own row lock never waits on the KEY SHARE a worker's insert holds on the pool.
   */
  function* setStatusOp(pool: Row, status: string, now: string): Op<PoolChange["status"]> {
    if (pool.status === status) return null;
    const eventId = Bun.randomUUIDv7();
    const last = pool.last_transitioned_status_at as string | null;
    const follows =
      last && last >= addSeconds(now, -FOLLOWS_WITHIN_SECONDS) ? (pool.last_status_event_id as string | null) : null;
    const moved = yield* row(sql`
      UPDATE work_pool SET status = ${status}, last_status_event_id = ${eventId},
        last_transitioned_status_at = ${now}, updated = ${now}
      WHERE id = ${pool.id as string} AND status = ${pool.status as string} RETURNING id`);
    return moved ? { eventId, occurred: now, follows } : null;
  }

  function* hasOnlineWorkerOp(poolId: string): Op<boolean> {
    return Boolean(
      yield* row(sql`SELECT 1 FROM worker WHERE work_pool_id = ${poolId} AND status = ${"ONLINE"} LIMIT 1`),
    );
  }

  return {
    create(input: WorkPoolInput): Promise<PoolChange> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const { pool, queue } = yield* insertPoolOp(d, input, now);
        const eventId = Bun.randomUUIDv7();
        yield* exec(sql`
          UPDATE work_pool SET last_status_event_id = ${eventId}, last_transitioned_status_at = ${now}
          WHERE id = ${pool.id as string}`);
        const after = (yield* poolsJsonOp([pool]))[0]!;
        const [q] = yield* queuesJsonOp([{ ...queue, work_pool_name: pool.name, work_pool_type: pool.type }]);
        const ref = { id: after.id, name: after.name, type: after.type };
        return {
          before: null,
          after,
          status: { eventId, occurred: now, follows: null },
          queues: [{ before: null, after: q!, pool: ref }],
        };
      });
    },

    getByName(name: string): Promise<WorkPoolJson | null> {
      return driver.read(function* () {
        const r = yield* poolRowOp(sql`name = ${name}`, d);
        return r ? (yield* poolsJsonOp([r]))[0]! : null;
      });
    },

    get(id: string): Promise<WorkPoolJson | null> {
      return driver.read(function* () {
        const r = yield* poolRowOp(sql`id = ${id}`, d);
        return r ? (yield* poolsJsonOp([r]))[0]! : null;
      });
    },

    filter(body: FilterBody, page: Page): Promise<WorkPoolJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(sql`
          SELECT * FROM work_pool WHERE ${workPoolWhere(body, d)}
          ORDER BY name LIMIT ${page.limit} OFFSET ${page.offset}`);
        return yield* poolsJsonOp(rs);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        const r = yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM work_pool WHERE ${workPoolWhere(body, d)}`,
        );
        return Number(r!.count);
      });
    },

    /**
     * Writes the named fields. Pausing makes the pool PAUSED; unpausing makes it READY when a worker is
     * online and NOT_READY otherwise (Prefect recomputes it on every is_paused: false).
     */
    update(name: string, patch: WorkPoolPatch): Promise<PoolChange | null> {
      return driver.tx(function* () {
        const current = yield* poolRowOp(sql`name = ${name}`, d, true);
        if (!current) return null;
        const id = current.id as string;
        const before = (yield* poolsJsonOp([current]))[0]!;
        const now = nowTimestamp();
        const sets = [sql`updated = ${now}`];
        for (const key of ["description", "concurrency_limit", "is_paused"] as const)
          if (patch[key] !== undefined) sets.push(sql`${raw(key)} = ${patch[key]}`);
        for (const key of ["base_job_template", "storage_configuration"] as const)
          if (patch[key] !== undefined) sets.push(sql`${raw(key)} = ${d.json(patch[key])}`);
        yield* exec(sql`UPDATE work_pool SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
        let status: PoolChange["status"] = null;
        // Prefect's pause rule leaves the legacy agents' pools alone.
        if (patch.is_paused !== undefined && current.type !== AGENT_POOL_TYPE) {
          const next = patch.is_paused ? "PAUSED" : (yield* hasOnlineWorkerOp(id)) ? "READY" : "NOT_READY";
          status = yield* setStatusOp(current, next, now);
        }
        return { before, after: yield* jsonOf(id), status, queues: [] };
      });
    },

    /** Deletes the pool with its queues and workers; their runs and deployments keep only queue names. */
    delete(name: string): Promise<PoolChange | null> {
      return driver.tx(function* () {
        const current = yield* poolRowOp(sql`name = ${name}`, d, true);
        if (!current) return null;
        const id = current.id as string;
        const before = (yield* poolsJsonOp([current]))[0]!;
        const queueRows = yield* rows<Row>(sql`
          SELECT work_queue.*, ${current.name as string} AS work_pool_name, ${current.type as string} AS work_pool_type
          FROM work_queue WHERE work_pool_id = ${id} ORDER BY priority`);
        const queues = yield* queuesJsonOp(queueRows);
        yield* detachQueuesOp(queues.map((q) => q.id));
        yield* exec(sql`DELETE FROM work_pool WHERE id = ${id}`);
        const ref = { id, name: before.name, type: before.type };
        return { before, after: before, status: null, queues: queues.map((q) => ({ before: q, after: q, pool: ref })) };
      });
    },

    /** Upserts the worker ONLINE; a NOT_READY pool becomes READY. Null when the pool does not exist. */
    /** Null when the pool does not exist; `change` when its status changed. */
    async heartbeat(
      poolName: string,
      workerName: string,
      intervalSeconds: number | null,
    ): Promise<{ change: PoolChange | null } | null> {
      const now = nowTimestamp();
      // A worker that beat a moment ago, ONLINE, in a pool already awake, changes nothing worth a
      // commit: the foreman allows it 3 intervals of silence (90 s for the SDK's 30 s). The skipped
      // span stays under half the worker's interval, so the stored beat is never older than 1.5
      // intervals: a worker beating every second must not read as silent for 3 s (it did at 5 s).
      const skipSeconds = intervalSeconds === null ? 0 : Math.min(HEARTBEAT_WRITE_SECONDS, intervalSeconds / 2);
      const fresh =
        skipSeconds > 0 &&
        (await driver.read(function* () {
          return yield* row<{ n: number }>(sql`
          SELECT 1 AS n FROM worker JOIN work_pool ON work_pool.id = worker.work_pool_id
          WHERE work_pool.name = ${poolName} AND worker.name = ${workerName} AND worker.status = 'ONLINE'
            AND work_pool.status <> 'NOT_READY' AND worker.last_heartbeat_time > ${addSeconds(now, -skipSeconds)}
            AND worker.heartbeat_interval_seconds = ${intervalSeconds}`);
        }));
      if (fresh) return { change: null };
      // In a pool that is awake, the upsert is the whole write: one statement, so it skips the write
      // gate on PostgreSQL (db/driver.ts) and a beat never waits behind a burst of state changes.
      const interval = intervalSeconds === null ? sql`worker.heartbeat_interval_seconds` : sql`${intervalSeconds}`;
      const beat = await driver.write(function* () {
        return yield* row<{ id: string }>(sql`
          INSERT INTO worker (id, created, updated, name, work_pool_id, last_heartbeat_time, heartbeat_interval_seconds, status)
          SELECT ${Bun.randomUUIDv7()}, ${now}, ${now}, ${workerName}, work_pool.id, ${now}, ${intervalSeconds}, ${"ONLINE"}
          FROM work_pool WHERE work_pool.name = ${poolName} AND work_pool.status <> 'NOT_READY'
          ON CONFLICT (work_pool_id, name) DO UPDATE SET
            last_heartbeat_time = ${now}, updated = ${now}, status = ${"ONLINE"}, heartbeat_interval_seconds = ${interval}
          RETURNING id`);
      });
      if (beat) return { change: null };
      return driver.tx(function* () {
        const pool = yield* poolRowOp(sql`name = ${poolName}`, d);
        if (!pool) return null;
        yield* exec(sql`
          INSERT INTO worker (id, created, updated, name, work_pool_id, last_heartbeat_time, heartbeat_interval_seconds, status)
          VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${workerName}, ${pool.id as string}, ${now}, ${intervalSeconds}, ${"ONLINE"})
          ON CONFLICT (work_pool_id, name) DO UPDATE SET
            last_heartbeat_time = ${now}, updated = ${now}, status = ${"ONLINE"}, heartbeat_interval_seconds = ${interval}`);
        if (pool.status !== "NOT_READY") return { change: null };
        // Several workers of a waking pool beat at once: setStatusOp lets one of them announce it.
        const before = (yield* poolsJsonOp([pool]))[0]!;
        const status = yield* setStatusOp(pool, "READY", now);
        return { change: status ? { before, after: yield* jsonOf(pool.id as string), status, queues: [] } : null };
      });
    },

    /**
     * The top-level POST /work_queues/: a queue in the pool with this id (null: none), or with no id in
     * the legacy agents' pool (made when missing; its "default" queue is returned as it is).
     */
    createQueueAnywhere(
      poolId: string | null,
      input: WorkQueueInput,
    ): Promise<{ change: QueueChange; made: Made } | null> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const made: Made = { pools: [], queues: [] };
        let pool: Row | null;
        if (poolId) pool = yield* poolRowOp(sql`id = ${poolId}`, d, true);
        else {
          const agents = yield* agentsPoolOp(d, now);
          pool = agents.pool;
          // Prefect answers "default" with the queue the agents' pool was just made with.
          if (agents.made && input.name === "default") {
            const json = (yield* queuesJsonOp([(yield* queueByIdOp(agents.queue!.id as string))!]))[0]!;
            made.pools.push(workPoolJson(agents.pool));
            return { change: { before: null, after: json, pool: agents.ref }, made };
          }
          if (agents.made) {
            made.pools.push(workPoolJson(agents.pool));
            made.queues.push({ queue: workQueueJson(agents.queue!), pool: agents.ref });
          }
        }
        if (!pool) return null;
        const ref = { id: pool.id as string, name: pool.name as string, type: pool.type as string };
        const q = yield* insertQueueOp(d, ref, input, now);
        return { change: { before: null, after: (yield* queuesJsonOp([q]))[0]!, pool: ref }, made };
      });
    },

    /**
     * POST /work_pools/{name}/concurrency_status: slots held in the pool and per queue (a page of queues),
     * with up to `flowRunLimit` of each queue's slot-holding runs, longest-held first. Null: no pool.
     */
    concurrencyStatus(poolName: string, p: { page: number; limit: number; flowRunLimit: number }) {
      return driver.read(function* () {
        const pool = yield* poolRowOp(sql`name = ${poolName}`, d);
        if (!pool) return null;
        const poolId = pool.id as string;
        const count = Number(
          (yield* row<{ n: number }>(sql`SELECT count(*) AS n FROM work_queue WHERE work_pool_id = ${poolId}`))!.n,
        );
        const page = yield* rows<{ id: string; name: string; concurrency_limit: number | null }>(sql`
          SELECT id, name, concurrency_limit FROM work_queue WHERE work_pool_id = ${poolId}
          ORDER BY priority, name LIMIT ${p.limit} OFFSET ${(p.page - 1) * p.limit}`);
        const held = yield* activeSlotsOp(
          (yield* rows<{ id: string }>(sql`SELECT id FROM work_queue WHERE work_pool_id = ${poolId}`)).map((r) => r.id),
        );
        const now = nowTimestamp();
        const queuesOut = [];
        for (const q of page) {
          const runs = p.flowRunLimit ? yield* slotHoldersOp(q.id, p.flowRunLimit, 0, now) : [];
          queuesOut.push({
            queue_id: q.id,
            queue_name: q.name,
            active_slots: held.get(q.id) ?? 0,
            concurrency_limit: q.concurrency_limit,
            flow_runs: runs,
            flow_run_count: held.get(q.id) ?? 0,
          });
        }
        return {
          active_slots: [...held.values()].reduce((a, b) => a + b, 0),
          concurrency_limit: (pool.concurrency_limit as number | null) ?? null,
          queues: queuesOut,
          count,
          limit: p.limit,
          pages: p.limit > 0 ? Math.ceil(count / p.limit) : 0,
          page: p.page,
        };
      });
    },

    /** For the dashboard: each pool's ONLINE workers and the runs holding its slots (limit or not). */
    summaries(poolIds: string[]): Promise<Map<string, { onlineWorkers: number; activeSlots: number }>> {
      return driver.read(function* () {
        if (!poolIds.length) return new Map();
        const slots = yield* poolSlotsOp(poolIds);
        const online = yield* rows<{ work_pool_id: string; n: number }>(sql`
          SELECT work_pool_id, count(*) AS n FROM worker
          WHERE work_pool_id IN (${list(poolIds)}) AND status = ${"ONLINE"} GROUP BY work_pool_id`);
        const workers = new Map(online.map((r) => [r.work_pool_id, Number(r.n)]));
        return new Map(
          poolIds.map((id) => [id, { onlineWorkers: workers.get(id) ?? 0, activeSlots: slots.get(id) ?? 0 }]),
        );
      });
    },

    /** A pool's workers, latest heartbeat first (null: no such pool). */
    workers(poolName: string, body: FilterBody, page: Page): Promise<WorkerJson[] | null> {
      return driver.read(function* () {
        const pool = yield* poolRowOp(sql`name = ${poolName}`, d);
        if (!pool) return null;
        const rs = yield* rows<Row>(sql`
          SELECT * FROM worker WHERE work_pool_id = ${pool.id as string} AND ${workerWhere(body, d)}
          ORDER BY last_heartbeat_time DESC, name LIMIT ${page.limit} OFFSET ${page.offset}`);
        return rs.map(workerJson);
      });
    },

    /** Null: no such pool; false: no such worker. */
    deleteWorker(poolName: string, workerName: string): Promise<boolean | null> {
      return driver.tx(function* () {
        const pool = yield* poolRowOp(sql`name = ${poolName}`, d);
        if (!pool) return null;
        return (
          (yield* exec(sql`DELETE FROM worker WHERE work_pool_id = ${pool.id as string} AND name = ${workerName}`)) > 0
        );
      });
    },

    /** The foreman's first rule: ONLINE workers silent for `multiple` × their interval go OFFLINE. */
    markWorkersOffline(multiple: number, fallbackSeconds: number, now = nowTimestamp()): Promise<number> {
      return driver.tx(function* () {
        const online = yield* rows<{
          id: string;
          last_heartbeat_time: string;
          heartbeat_interval_seconds: number | null;
        }>(sql`SELECT id, last_heartbeat_time, heartbeat_interval_seconds FROM worker WHERE status = ${"ONLINE"}`);
        const silent = online.filter(
          (w) => w.last_heartbeat_time < addSeconds(now, -(w.heartbeat_interval_seconds ?? fallbackSeconds) * multiple),
        );
        // Each one only if it has not beaten since it was read (a heartbeat in between wins).
        let n = 0;
        for (const w of silent)
          n += yield* exec(sql`
            UPDATE worker SET status = ${"OFFLINE"}
            WHERE id = ${w.id} AND status = ${"ONLINE"} AND last_heartbeat_time = ${w.last_heartbeat_time}`);
        return n;
      });
    },

    /** The foreman's second rule: READY pools with no ONLINE worker become NOT_READY. */
    markPoolsNotReady(now = nowTimestamp()): Promise<PoolChange[]> {
      return driver.tx(function* () {
        const idle = yield* rows<Row>(sql`
          SELECT * FROM work_pool WHERE status = ${"READY"}
            AND NOT EXISTS (SELECT 1 FROM worker WHERE worker.work_pool_id = work_pool.id AND worker.status = ${"ONLINE"})
          ORDER BY name`);
        const out: PoolChange[] = [];
        for (const pool of idle) {
          const before = (yield* poolsJsonOp([pool]))[0]!;
          const status = yield* setStatusOp(pool, "NOT_READY", now);
          if (status) out.push({ before, after: yield* jsonOf(pool.id as string), status, queues: [] });
        }
        return out;
      });
    },
  };
}

export type WorkPoolsStore = ReturnType<typeof workPoolsStore>;
