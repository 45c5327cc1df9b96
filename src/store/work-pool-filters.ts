// Prefect's WorkPoolFilter, WorkQueueFilter and WorkerFilter: on their own tables for the /work_pools and
// /work_queues routes, and as conditions on the queue a run or a deployment names for the run and
// deployment filters (store/filters.ts).
import type { SQL } from "drizzle-orm";
import type { JsonObject } from "../core/json.ts";
import { sql } from "../db/sql-tag.ts";
import { Uuid } from "../schemas/common.ts";
import { and, type Fragments, or, raw } from "./sql.ts";
import { anyOf, anyOnly, type Field, ids, listOf, obj, opt, resource, Str, times } from "./filter-fields.ts";

type Json = JsonObject;

/** A queue's names: any_, and startswith_ (case-insensitive prefixes, any of which matches). */
export const queueNames = (col: string): Field => ({
  model: opt(obj({ any_: listOf(Str), startswith_: listOf(Str) })),
  sql: (f, d) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (f.any_) conds.push(anyOf(c, f.any_));
    // An empty list matches nothing, as everywhere in the grammar.
    if (f.startswith_) {
      const prefixes = f.startswith_ as string[];
      conds.push(prefixes.length ? or(prefixes.map((p) => d.startsWith(c, p))) : sql`1 = 0`);
    }
    return conds;
  },
});

export const workPoolFilter = resource("work_pools", {
  id: anyOnly("work_pool.id", Uuid),
  name: anyOnly("work_pool.name", Str),
  type: anyOnly("work_pool.type", Str),
});

/** WorkQueueFilter on the work_queue table (the queue routes). */
export const workQueueTableFilter = resource("work_queues", {
  id: anyOnly("work_queue.id", Uuid),
  name: queueNames("work_queue.name"),
});

export const workerFilter = resource("workers", {
  last_heartbeat_time: times("worker.last_heartbeat_time", false),
  status: ids("worker.status", Str),
});

/** `<col> IN (the queues of the pools a WorkPoolFilter selects)`, for runs and deployments. */
export function inPoolsOf(col: string, f: Json, d: Fragments): SQL {
  return sql`${raw(col)} IN (SELECT work_queue.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id
    WHERE ${and(workPoolFilter.conditions(f, d))})`;
}

export function workPoolWhere(body: Json, d: Fragments): SQL {
  return and(body.work_pools ? workPoolFilter.conditions(body.work_pools, d) : []);
}

export function workQueueWhere(body: Json, d: Fragments): SQL {
  return and(body.work_queues ? workQueueTableFilter.conditions(body.work_queues, d) : []);
}

export function workerWhere(body: Json, d: Fragments): SQL {
  return and(body.workers ? workerFilter.conditions(body.workers, d) : []);
}
