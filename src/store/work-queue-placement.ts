// Which queue a deployment (or a run) is placed in, by Prefect's rules: a pool and a queue name → that
// queue of the pool, made when missing; a pool alone → its default queue; a queue name alone → the
// legacy queue of that name in the agents' pool (both made when missing); a pool set to null → no
// queue. An unknown pool is Prefect's 404. What placement makes is recorded in `made`, so the caller
// announces it (prefect.work-queue.created, prefect.work-pool.created) after the commit.
import { AppError, invalidFields } from "../core/errors.ts";
import type { Op, Row } from "../db/driver.ts";
import { row } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { Fragments } from "./sql.ts";
import { agentsPoolOp } from "./work-pool-ops.ts";
import { type Made, type PoolRef, workPoolJson, workQueueJson } from "./work-pool-shapes.ts";
import { insertQueueOp } from "./work-queues.ts";

export interface Placement {
  work_queue_id: string | null;
  work_queue_name: string | null;
}

export const nothingMade = (): Made => ({ pools: [], queues: [] });

function* poolOp(d: Fragments, name: string): Op<(PoolRef & { default_queue_id: string | null }) | null> {
  return (
    (yield* row<PoolRef & { default_queue_id: string | null }>(
      sql`SELECT id, name, type, default_queue_id FROM work_pool WHERE name = ${name}${d.forNoKeyUpdate}`,
    )) ?? null
  );
}

/** The named queue of a pool, made (with Prefect's next free priority) when it does not exist. */
export function* queueInPoolOp(d: Fragments, pool: PoolRef, queueName: string, now: string, made: Made) {
  const found = yield* row<{ id: string; name: string }>(
    sql`SELECT id, name FROM work_queue WHERE work_pool_id = ${pool.id} AND name = ${queueName}`,
  );
  if (found) return { work_queue_id: found.id, work_queue_name: found.name } satisfies Placement;
  // Prefect's queue names: the characters that break URLs are refused before a queue is made of one.
  if (/[/%&><]/.test(queueName))
    throw invalidFields(`Work queue name "${queueName}" contains an invalid character.`, [
      { path: ["work_queue_name"], msg: "Name must not contain any of: / % & > <", type: "value_error" },
    ]);
  const q: Row = yield* insertQueueOp(
    d,
    pool,
    { name: queueName, description: "", is_paused: false, concurrency_limit: null, priority: null, filter: null },
    now,
  );
  made.queues.push({ queue: workQueueJson(q), pool });
  return { work_queue_id: q.id as string, work_queue_name: q.name as string } satisfies Placement;
}

function* defaultQueueOp(pool: { default_queue_id: string | null }): Op<Placement> {
  const q = yield* row<{ id: string; name: string }>(
    sql`SELECT id, name FROM work_queue WHERE id = ${pool.default_queue_id}`,
  );
  return { work_queue_id: q?.id ?? null, work_queue_name: q?.name ?? null };
}

const poolNotFound = (name: string) => new AppError("not_found", `Work pool "${name}" not found.`);

/** The placement for a pool name (undefined: not given) and a queue name; null: leave as it is. */
export function* placeOp(
  d: Fragments,
  poolName: string | null | undefined,
  queueName: string | null | undefined,
  now: string,
  made: Made,
): Op<Placement | null> {
  if (poolName) {
    const pool = yield* poolOp(d, poolName);
    if (!pool) throw poolNotFound(poolName);
    return queueName ? yield* queueInPoolOp(d, pool, queueName, now, made) : yield* defaultQueueOp(pool);
  }
  if (poolName === null) return { work_queue_id: null, work_queue_name: queueName ?? null };
  if (queueName === undefined) return null;
  // As Prefect: an empty queue name places nothing.
  if (!queueName) return { work_queue_id: null, work_queue_name: queueName };
  const agents = yield* agentsPoolOp(d, now);
  if (agents.made) {
    made.pools.push(workPoolJson(agents.pool));
    made.queues.push({ queue: workQueueJson(agents.queue!), pool: agents.ref });
  }
  return yield* queueInPoolOp(d, agents.ref, queueName, now, made);
}

/**
 * POST /flow_runs/ with a work_pool_name (Prefect's create_flow_run): the named queue of the pool or
 * its default one; nothing is made, an unknown pool or queue is a 404.
 */
export function* findPlacementOp(d: Fragments, poolName: string, queueName: string | null | undefined) {
  const pool = yield* poolOp(d, poolName);
  if (!pool) throw poolNotFound(poolName);
  if (!queueName) return yield* defaultQueueOp(pool);
  const q = yield* row<{ id: string; name: string }>(
    sql`SELECT id, name FROM work_queue WHERE work_pool_id = ${pool.id} AND name = ${queueName}`,
  );
  if (!q) throw new AppError("not_found", `Work pool queue '${poolName}/${queueName}' not found.`);
  return { work_queue_id: q.id, work_queue_name: q.name } satisfies Placement;
}
