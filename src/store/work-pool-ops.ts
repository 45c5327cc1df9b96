// The statements that make pools: a pool with its default queue, and the legacy agents' pool that
// queues made without a pool go to. Shared by the pool store and queue placement
// (store/work-queue-placement.ts).
import { conflict } from "../core/errors.ts";
import type { Op, Row } from "../db/driver.ts";
import { exec, row } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { WorkPoolInput } from "../schemas/work-pools.ts";
import type { Fragments } from "./sql.ts";
import { AGENT_POOL_TYPE, DEFAULT_AGENT_WORK_POOL_NAME, type PoolRef } from "./work-pool-shapes.ts";
import { insertQueueOp } from "./work-queues.ts";

export function* poolRowOp(where: ReturnType<typeof sql>, d: Fragments, lock = false): Op<Row | null> {
  return (yield* row<Row>(sql`SELECT * FROM work_pool WHERE ${where}${lock ? d.forNoKeyUpdate : sql``}`)) ?? null;
}

/** A new pool and its default queue; a taken name is Prefect's 409. */
export function* insertPoolOp(d: Fragments, input: WorkPoolInput, now: string): Op<{ pool: Row; queue: Row }> {
  if (yield* row(sql`SELECT 1 FROM work_pool WHERE name = ${input.name}`))
    throw conflict("A work pool with this name already exists.");
  const id = Bun.randomUUIDv7();
  const status = input.type === AGENT_POOL_TYPE ? "NOT_READY" : input.is_paused ? "PAUSED" : "NOT_READY";
  yield* exec(sql`
    INSERT INTO work_pool (id, created, updated, name, description, type, base_job_template, is_paused,
      concurrency_limit, status, storage_configuration)
    VALUES (${id}, ${now}, ${now}, ${input.name}, ${input.description}, ${input.type},
      ${d.json(input.base_job_template)}, ${input.is_paused}, ${input.concurrency_limit}, ${status},
      ${d.json(input.storage_configuration)})`);
  const queue = yield* insertQueueOp(
    d,
    { id, name: input.name, type: input.type },
    {
      name: "default",
      description: "The work pool's default queue.",
      is_paused: false,
      concurrency_limit: null,
      priority: null,
      filter: null,
    },
    now,
  );
  yield* exec(sql`UPDATE work_pool SET default_queue_id = ${queue.id as string} WHERE id = ${id}`);
  return { pool: (yield* poolRowOp(sql`id = ${id}`, d))!, queue };
}

/** The legacy agents' pool (made when missing, with its default queue), locked for the transaction. */
export function* agentsPoolOp(d: Fragments, now: string): Op<{ pool: Row; ref: PoolRef; made: boolean; queue?: Row }> {
  const refOf = (r: Row): PoolRef => ({ id: r.id as string, name: r.name as string, type: r.type as string });
  const found = yield* poolRowOp(sql`name = ${DEFAULT_AGENT_WORK_POOL_NAME}`, d, true);
  if (found) return { pool: found, ref: refOf(found), made: false };
  const { pool, queue } = yield* insertPoolOp(
    d,
    {
      name: DEFAULT_AGENT_WORK_POOL_NAME,
      description: null,
      type: AGENT_POOL_TYPE,
      base_job_template: {},
      is_paused: false,
      concurrency_limit: null,
      storage_configuration: {},
    },
    now,
  );
  return { pool, ref: refOf(pool), made: true, queue };
}
