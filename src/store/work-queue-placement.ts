// Which queue a deployment (or a run made from one) is placed in, by Prefect's rules: a pool and a
// queue name → that queue of the pool, made when missing; a pool alone → its default queue; a queue
// name alone → the legacy queue of that name in the agents' pool (both made when missing); a pool set
// to null → no queue. An unknown pool is Prefect's 404.
import { AppError } from "../core/errors.ts";
import type { Op, Row } from "../db/driver.ts";
import { row } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { Fragments } from "./sql.ts";
import { agentsPoolOp } from "./work-pool-ops.ts";
import type { PoolRef } from "./work-pool-shapes.ts";
import { insertQueueOp } from "./work-queues.ts";

export interface Placement {
  work_queue_id: string | null;
  work_queue_name: string | null;
}

function* poolOp(d: Fragments, name: string): Op<(PoolRef & { default_queue_id: string | null }) | null> {
  return (
    (yield* row<PoolRef & { default_queue_id: string | null }>(
      sql`SELECT id, name, type, default_queue_id FROM work_pool WHERE name = ${name}${d.forUpdate}`,
    )) ?? null
  );
}

/** The named queue of a pool, made (with Prefect's next free priority) when it does not exist. */
export function* queueInPoolOp(d: Fragments, pool: PoolRef, queueName: string, now: string): Op<Placement> {
  const found = yield* row<{ id: string; name: string }>(
    sql`SELECT id, name FROM work_queue WHERE work_pool_id = ${pool.id} AND name = ${queueName}`,
  );
  const q: Row =
    found ??
    (yield* insertQueueOp(
      d,
      pool,
      { name: queueName, description: "", is_paused: false, concurrency_limit: null, priority: null, filter: null },
      now,
    ));
  return { work_queue_id: q.id as string, work_queue_name: q.name as string };
}

/** The placement for a pool name (undefined: not given) and a queue name; null: leave as it is. */
export function* placeOp(
  d: Fragments,
  poolName: string | null | undefined,
  queueName: string | null | undefined,
  now: string,
): Op<Placement | null> {
  if (poolName) {
    const pool = yield* poolOp(d, poolName);
    if (!pool) throw new AppError("not_found", `Work pool "${poolName}" not found.`);
    if (queueName) return yield* queueInPoolOp(d, pool, queueName, now);
    const q = yield* row<{ id: string; name: string }>(
      sql`SELECT id, name FROM work_queue WHERE id = ${pool.default_queue_id}`,
    );
    return { work_queue_id: q?.id ?? null, work_queue_name: q?.name ?? null };
  }
  if (poolName === null) return { work_queue_id: null, work_queue_name: queueName ?? null };
  if (queueName === undefined) return null;
  if (queueName === null) return { work_queue_id: null, work_queue_name: null };
  const agents = yield* agentsPoolOp(d, now);
  const ref = { id: agents.id as string, name: agents.name as string, type: agents.type as string };
  return yield* queueInPoolOp(d, ref, queueName, now);
}
