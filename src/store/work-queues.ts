// Work queues: created in a pool (its first free priority unless one is asked for; Prefect then shifts
// the others down so priorities stay unique), read by id or by pool and name, updated with Prefect's
// pause and priority rules, deleted (never a pool's default queue), polled (READY) and left unpolled
// (NOT_READY). Runs and deployments of a deleted queue keep their queue's name and lose its id.
import { conflict, integrityConflict } from "../core/errors.ts";
import { addSeconds, diffSeconds, nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { WorkQueueInput, WorkQueuePatch } from "../schemas/work-pools.ts";
import type { FilterBody, Page } from "./page.ts";
import { type Fragments, fragmentsFor, list, raw } from "./sql.ts";
import { workQueueWhere } from "./work-pool-filters.ts";
import {
  DEFAULT_AGENT_WORK_POOL_NAME,
  type PoolRef,
  SLOT_STATES_SQL,
  type WorkQueueJson,
  workQueueJson,
} from "./work-pool-shapes.ts";

/** Prefect's WORK_QUEUE_LAST_POLLED_TIMEOUT: a queue polled this recently is READY when unpaused. */
export const QUEUE_POLLED_RECENTLY_SECONDS = 60;
/**
 * How stale last_polled may get before a poll writes it again (the foreman's threshold is 60 s): most
 * of a fleet's polls read and never pay a commit.
 */
export const POLL_WRITE_SECONDS = 5;

const QUEUE_COLUMNS = sql`work_queue.*, work_pool.name AS work_pool_name, work_pool.type AS work_pool_type`;
const QUEUE_FROM = sql`work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id`;
const SLOTS = raw(SLOT_STATES_SQL);

/** What a queue change did: the queue before and after, and its pool, for the caller's events. */
export interface QueueChange {
  before: WorkQueueJson | null;
  after: WorkQueueJson;
  pool: PoolRef;
}

export const poolRefOf = (r: Row): PoolRef => ({
  id: r.work_pool_id as string,
  name: r.work_pool_name as string,
  type: r.work_pool_type as string,
});

/** Runs holding a slot, per queue (only queues with any appear). */
export function* activeSlotsOp(queueIds: string[]): Op<Map<string, number>> {
  if (!queueIds.length) return new Map();
  const rs = yield* rows<{ work_queue_id: string; n: number }>(sql`
    SELECT work_queue_id, count(*) AS n FROM flow_run
    WHERE work_queue_id IN (${list(queueIds)}) AND state_type IN (${SLOTS}) GROUP BY work_queue_id`);
  return new Map(rs.map((r) => [r.work_queue_id, Number(r.n)]));
}

/** A page of the runs holding a queue's slots, longest-held first, as Prefect's FlowRunSlotSummary. */
export function* slotHoldersOp(queueId: string, limit: number, offset: number, now: string) {
  const rs = yield* rows<Row>(sql`
    SELECT id, name, state_type, state_name, start_time, state_timestamp FROM flow_run
    WHERE work_queue_id = ${queueId} AND state_type IN (${SLOTS})
    ORDER BY state_timestamp, id LIMIT ${limit} OFFSET ${offset}`);
  return rs.map((r) => ({
    id: r.id as string,
    name: r.name as string,
    state_type: (r.state_type as string | null) ?? null,
    state_name: (r.state_name as string | null) ?? null,
    start_time: (r.start_time as string | null) ?? null,
    state_timestamp: (r.state_timestamp as string | null) ?? null,
    // A timedelta, as Pydantic writes one.
    time_in_current_state: r.state_timestamp ? `PT${diffSeconds(now, r.state_timestamp as string)}S` : null,
  }));
}

/** Queue rows (with their pool's name and type) as JSON, active_slots where a limit is set. */
export function* queuesJsonOp(rs: Row[]): Op<WorkQueueJson[]> {
  const limited = rs.filter((r) => r.concurrency_limit !== null).map((r) => r.id as string);
  const slots = yield* activeSlotsOp(limited);
  return rs.map((r) => workQueueJson(r, slots.get(r.id as string) ?? 0));
}

/** Locks the pool of a queue (priority changes and deletes renumber its queues one at a time). */
function* lockPoolOfQueueOp(d: Fragments, queueId: string): Op<void> {
  yield* row(
    sql`SELECT id FROM work_pool WHERE id = (SELECT work_pool_id FROM work_queue WHERE id = ${queueId})${d.forNoKeyUpdate}`,
  );
}

export function* queueByIdOp(id: string): Op<Row | null> {
  return (yield* row<Row>(sql`SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE work_queue.id = ${id}`)) ?? null;
}

export function* queueByNameOp(poolName: string, name: string): Op<Row | null> {
  return (
    (yield* row<Row>(
      sql`SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE work_pool.name = ${poolName} AND work_queue.name = ${name}`,
    )) ?? null
  );
}

/** The first priority no queue of the pool holds (Prefect fills gaps before appending). */
function* freePriorityOp(poolId: string): Op<number> {
  const taken = (yield* rows<{ priority: number }>(
    sql`SELECT priority FROM work_queue WHERE work_pool_id = ${poolId} ORDER BY priority`,
  )).map((r) => Number(r.priority));
  for (let i = 0; i < taken.length; i++) if (taken[i] !== i + 1) return i + 1;
  return (taken.at(-1) ?? 0) + 1;
}

/**
 * Prefect's bulk_update_work_queue_priorities: the queues given new priorities take them; the others
 * keep their order and move down only as far as needed to keep every priority unique and positive.
 */
export function* reorderOp(poolId: string, wanted: Map<string, number>): Op<void> {
  const all = yield* rows<{ id: string; priority: number }>(
    sql`SELECT id, priority FROM work_queue WHERE work_pool_id = ${poolId} ORDER BY priority, id`,
  );
  const order = all.filter((q) => !wanted.has(q.id)).map((q) => ({ id: q.id, priority: Number(q.priority) }));
  const moved = all.filter((q) => wanted.has(q.id)).sort((a, b) => wanted.get(a.id)! - wanted.get(b.id)!);
  for (const q of moved) {
    const p = wanted.get(q.id)!;
    const at = order.findIndex((o) => o.priority >= p);
    order.splice(at < 0 ? order.length : at, 0, { id: q.id, priority: p });
  }
  const before = new Map(all.map((q) => [q.id, Number(q.priority)]));
  let last = 0;
  for (const q of order) {
    if (q.priority <= last) q.priority = last + 1;
    last = q.priority;
  }
  for (const q of order)
    if (before.get(q.id) !== q.priority)
      yield* exec(sql`UPDATE work_queue SET priority = ${q.priority} WHERE id = ${q.id}`);
}

/** A new queue in a pool; a duplicate name is Prefect's 409. */
export function* insertQueueOp(d: Fragments, pool: PoolRef, input: WorkQueueInput, now: string): Op<Row> {
  const exists = yield* row(sql`SELECT 1 FROM work_queue WHERE work_pool_id = ${pool.id} AND name = ${input.name}`);
  if (exists) throw conflict(`A work queue with this name already exists in work pool '${pool.name}'.`);
  const id = Bun.randomUUIDv7();
  const priority = input.priority ?? (yield* freePriorityOp(pool.id));
  yield* exec(sql`
    INSERT INTO work_queue (id, created, updated, name, description, is_paused, concurrency_limit, priority,
      status, filter, work_pool_id)
    VALUES (${id}, ${now}, ${now}, ${input.name}, ${input.description}, ${input.is_paused},
      ${input.concurrency_limit}, ${priority}, ${input.is_paused ? "PAUSED" : "NOT_READY"},
      ${input.filter === null ? null : d.json(input.filter)}, ${pool.id})`);
  if (input.priority != null) yield* reorderOp(pool.id, new Map([[id, input.priority]]));
  return (yield* queueByIdOp(id))!;
}

/**
 * What a poll of these queues has to write: the queues NOT_READY or not marked polled for a few
 * seconds, and the same of the deployments placed in them. Usually nothing.
 */
export function* pollsDueOp(queueIds: string[], now: string): Op<{ queues: string[]; deployments: string[] }> {
  if (!queueIds.length) return { queues: [], deployments: [] };
  const stale = addSeconds(now, -POLL_WRITE_SECONDS);
  const ids = list(queueIds);
  const due = yield* rows<{ kind: string; id: string }>(sql`
    SELECT 'queue' AS kind, id FROM work_queue WHERE id IN (${ids})
      AND (status = 'NOT_READY' OR last_polled IS NULL OR last_polled < ${stale})
    UNION ALL
    SELECT 'deployment' AS kind, id FROM deployment WHERE work_queue_id IN (${ids})
      AND (status <> 'READY' OR last_polled IS NULL OR last_polled < ${stale})`);
  const of = (kind: string) =>
    due
      .filter((r) => r.kind === kind)
      .map((r) => r.id)
      .sort();
  return { queues: of("queue"), deployments: of("deployment") };
}

/** Clears a queue's id from the runs and deployments that name it (Prefect's ON DELETE SET NULL). */
export function* detachQueuesOp(queueIds: string[]): Op<void> {
  if (!queueIds.length) return;
  yield* exec(sql`UPDATE flow_run SET work_queue_id = NULL WHERE work_queue_id IN (${list(queueIds)})`);
  yield* exec(sql`UPDATE deployment SET work_queue_id = NULL WHERE work_queue_id IN (${list(queueIds)})`);
}

function isRecent(ts: string | null, now: string): boolean {
  return ts !== null && ts >= addSeconds(now, -QUEUE_POLLED_RECENTLY_SECONDS);
}

export function workQueuesStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* changeOf(id: string, before: WorkQueueJson | null): Op<QueueChange> {
    const r = (yield* queueByIdOp(id))!;
    return { before, after: (yield* queuesJsonOp([r]))[0]!, pool: poolRefOf(r) };
  }

  return {
    /** A new queue in the named pool (null: no such pool). */
    create(poolName: string, input: WorkQueueInput): Promise<QueueChange | null> {
      return driver.tx(function* () {
        const pool = yield* row<PoolRef>(
          sql`SELECT id, name, type FROM work_pool WHERE name = ${poolName}${d.forNoKeyUpdate}`,
        );
        if (!pool) return null;
        const r = yield* insertQueueOp(d, pool, input, nowTimestamp());
        return yield* changeOf(r.id as string, null);
      });
    },

    get(id: string): Promise<WorkQueueJson | null> {
      return driver.read(function* () {
        const r = yield* queueByIdOp(id);
        return r ? (yield* queuesJsonOp([r]))[0]! : null;
      });
    },

    getByName(poolName: string, name: string): Promise<WorkQueueJson | null> {
      return driver.read(function* () {
        const r = yield* queueByNameOp(poolName, name);
        return r ? (yield* queuesJsonOp([r]))[0]! : null;
      });
    },

    /** POST /work_queues/{id}/concurrency_status: its slot holders, a page at a time (null: no queue). */
    concurrencyStatus(id: string, page: number, limit: number) {
      return driver.read(function* () {
        const q = yield* row<{ concurrency_limit: number | null }>(
          sql`SELECT concurrency_limit FROM work_queue WHERE id = ${id}`,
        );
        if (!q) return null;
        const count = (yield* activeSlotsOp([id])).get(id) ?? 0;
        return {
          active_slots: count,
          concurrency_limit: q.concurrency_limit ?? null,
          flow_runs: yield* slotHoldersOp(id, limit, (page - 1) * limit, nowTimestamp()),
          count,
          limit,
          pages: limit > 0 ? Math.ceil(count / limit) : 0,
          page,
        };
      });
    },

    /**
     * GET /work_queues/name/{name}: the agents' pool's queue of that name; only while that pool does
     * not exist (a database from before pools), any queue of that name.
     */
    getLegacyByName(name: string): Promise<WorkQueueJson | null> {
      return driver.read(function* () {
        const agents = yield* row<{ id: string }>(
          sql`SELECT id FROM work_pool WHERE name = ${DEFAULT_AGENT_WORK_POOL_NAME}`,
        );
        const where = agents ? sql`work_queue.work_pool_id = ${agents.id}` : sql`1 = 1`;
        const r = yield* row<Row>(sql`
          SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE work_queue.name = ${name} AND ${where}
          ORDER BY work_queue.id LIMIT 1`);
        return r ? (yield* queuesJsonOp([r]))[0]! : null;
      });
    },

    /** Prefect's WorkQueueStatusDetail: healthy when polled in the last minute and no run is Late. */
    status(id: string, now = nowTimestamp()) {
      return driver.read(function* () {
        const q = yield* row<{ last_polled: string | null }>(sql`SELECT last_polled FROM work_queue WHERE id = ${id}`);
        if (!q) return null;
        const late = Number(
          (yield* row<{ n: number }>(
            sql`SELECT count(*) AS n FROM flow_run WHERE work_queue_id = ${id} AND state_type = 'SCHEDULED' AND state_name = 'Late'`,
          ))!.n,
        );
        return {
          healthy: late === 0 && isRecent(q.last_polled, now),
          late_runs_count: late,
          last_polled: q.last_polled,
          health_check_policy: {
            maximum_late_runs: 0,
            maximum_seconds_since_last_polled: QUEUE_POLLED_RECENTLY_SECONDS,
          },
        };
      });
    },

    /** A pool's queues by priority (poolId), or every queue by name; null when the pool is missing. */
    list(poolName: string | null, body: FilterBody, page: Page): Promise<WorkQueueJson[] | null> {
      return driver.read(function* () {
        let poolCond = sql`1 = 1`;
        if (poolName !== null) {
          const pool = yield* row<{ id: string }>(sql`SELECT id FROM work_pool WHERE name = ${poolName}`);
          if (!pool) return null;
          poolCond = sql`work_queue.work_pool_id = ${pool.id}`;
        }
        const order =
          poolName !== null ? sql`work_queue.priority, work_queue.name` : sql`work_queue.name, work_queue.id`;
        const rs = yield* rows<Row>(sql`
          SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM} WHERE ${poolCond} AND ${workQueueWhere(body, d)}
          ORDER BY ${order} LIMIT ${page.limit} OFFSET ${page.offset}`);
        return yield* queuesJsonOp(rs);
      });
    },

    /**
     * Prefect's update_work_queue: pausing makes a queue PAUSED; unpausing a PAUSED queue makes it READY
     * when it was polled in the last minute, NOT_READY otherwise; a new priority shifts the others.
     */
    update(id: string, patch: WorkQueuePatch): Promise<QueueChange | null> {
      return driver.tx(function* () {
        yield* lockPoolOfQueueOp(d, id);
        const current = yield* queueByIdOp(id);
        if (!current) return null;
        const before = (yield* queuesJsonOp([current]))[0]!;
        const now = nowTimestamp();
        const sets = [sql`updated = ${now}`];
        if (patch.name !== undefined && patch.name !== before.name) {
          const clash = yield* row(
            sql`SELECT 1 FROM work_queue WHERE work_pool_id = ${before.work_pool_id} AND name = ${patch.name}`,
          );
          if (clash)
            throw conflict(`A work queue with this name already exists in work pool '${before.work_pool_name}'.`);
          sets.push(sql`name = ${patch.name}`);
        }
        if (patch.description !== undefined) sets.push(sql`description = ${patch.description ?? ""}`);
        if (patch.concurrency_limit !== undefined) sets.push(sql`concurrency_limit = ${patch.concurrency_limit}`);
        if (patch.filter !== undefined) sets.push(sql`filter = ${patch.filter === null ? null : d.json(patch.filter)}`);
        if (patch.last_polled !== undefined) sets.push(sql`last_polled = ${patch.last_polled}`);
        if (patch.is_paused !== undefined) {
          sets.push(sql`is_paused = ${patch.is_paused}`);
          if (patch.is_paused && before.status !== "PAUSED") sets.push(sql`status = ${"PAUSED"}`);
          if (!patch.is_paused && before.status === "PAUSED") {
            const polled = patch.last_polled !== undefined ? patch.last_polled : before.last_polled;
            sets.push(sql`status = ${isRecent(polled, now) ? "READY" : "NOT_READY"}`);
          }
        }
        yield* exec(sql`UPDATE work_queue SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
        if (patch.priority !== undefined) yield* reorderOp(before.work_pool_id, new Map([[id, patch.priority]]));
        return yield* changeOf(id, before);
      });
    },

    /** Deletes a queue (null: none); a pool's default queue cannot go (Prefect's error). */
    delete(id: string): Promise<QueueChange | null> {
      return driver.tx(function* () {
        yield* lockPoolOfQueueOp(d, id);
        const r = yield* queueByIdOp(id);
        if (!r) return null;
        const isDefault = yield* row(sql`SELECT 1 FROM work_pool WHERE default_queue_id = ${id}`);
        if (isDefault) throw conflict("Can't delete a pool's default queue.");
        const queue = (yield* queuesJsonOp([r]))[0]!;
        yield* detachQueuesOp([id]);
        if ((yield* exec(sql`DELETE FROM work_queue WHERE id = ${id}`)) === 0) throw integrityConflict();
        yield* reorderOp(queue.work_pool_id, new Map());
        return { before: queue, after: queue, pool: poolRefOf(r) };
      });
    },

    /**
     * A poll of these queues (pollsDueOp's): last_polled is now, and the NOT_READY ones become READY.
     * Returns those, for their status events.
     */
    markPolled(queueIds: string[], now = nowTimestamp()): Promise<QueueChange[]> {
      if (!queueIds.length) return Promise.resolve([]);
      return driver.tx(function* () {
        // Polls arriving together mark the same queues: each marks those no other one is marking.
        const locked = yield* rows<{ id: string; status: string }>(sql`
          SELECT id, status FROM work_queue WHERE id IN (${list(queueIds)}) ORDER BY id${d.skipLocked}`);
        if (!locked.length) return [];
        const ids = locked.filter((r) => r.status === "NOT_READY").map((r) => r.id);
        const before = new Map<string, WorkQueueJson>();
        for (const id of ids) before.set(id, (yield* queuesJsonOp([(yield* queueByIdOp(id))!]))[0]!);
        yield* exec(sql`UPDATE work_queue SET last_polled = ${now} WHERE id IN (${list(locked.map((r) => r.id))})`);
        if (!ids.length) return [];
        yield* exec(sql`UPDATE work_queue SET status = ${"READY"} WHERE id IN (${list(ids)})`);
        const out: QueueChange[] = [];
        for (const id of ids) out.push(yield* changeOf(id, before.get(id)!));
        return out;
      });
    },

    /** What a legacy poll of one queue has to write (pollsDueOp). */
    pollsDue(queueIds: string[]) {
      return driver.read(() => pollsDueOp(queueIds, nowTimestamp()));
    },

    /** The foreman's rule: READY queues not polled for `timeoutSeconds` become NOT_READY. */
    markNotReady(timeoutSeconds: number, now = nowTimestamp()): Promise<QueueChange[]> {
      return driver.tx(function* () {
        const threshold = addSeconds(now, -timeoutSeconds);
        const stale = yield* rows<Row>(sql`
          SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM}
          WHERE work_queue.status = ${"READY"} AND work_queue.last_polled IS NOT NULL
            AND work_queue.last_polled < ${threshold}
          ORDER BY work_queue.last_polled LIMIT 1000`);
        if (!stale.length) return [];
        const before = yield* queuesJsonOp(stale);
        const ids = stale.map((r) => r.id as string);
        yield* exec(sql`UPDATE work_queue SET status = ${"NOT_READY"} WHERE id IN (${list(ids)})`);
        const out: QueueChange[] = [];
        for (const [i, id] of ids.entries()) out.push(yield* changeOf(id, before[i]!));
        return out;
      });
    },
  };
}

export type WorkQueuesStore = ReturnType<typeof workQueuesStore>;
