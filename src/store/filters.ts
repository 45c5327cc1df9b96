// Prefect's filter grammar (FlowFilter, FlowRunFilter, TaskRunFilter, LogFilter, …) turned into SQL
// conditions, once for both dialects; the few dialect differences come from Fragments.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import { invalidFields } from "../core/errors.ts";
import { normalizeTimestamp } from "../core/time.ts";
import { and, list, or, raw, type Fragments } from "./sql.ts";
import type { JsonObject } from "../core/json.ts";

type Json = JsonObject;
type Builder = (f: Json, d: Fragments) => SQL[];

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** Combines a filter object's own conditions with its `operator` (and_ by default). */
function combine(f: Json | undefined | null, conds: SQL[]): SQL[] {
  if (!conds.length) return [];
  return [f?.operator === "or_" ? or(conds) : and(conds)];
}

function ts(value: unknown, where: string): string {
  const n = typeof value === "string" ? normalizeTimestamp(value) : null;
  if (!n)
    throw invalidFields(`Invalid datetime in ${where}: ${JSON.stringify(value)}`, [
      { path: [...where.split(".")], msg: "Input should be a valid datetime", type: "datetime_parsing" },
    ]);
  return n;
}

function anyOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`${col} IN (${list(values)})` : sql`1 = 0`;
}

function noneOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`(${col} IS NULL OR ${col} NOT IN (${list(values)}))` : sql`1 = 1`;
}

function idFilter(col: SQL, f: Json | undefined): SQL[] {
  if (!f) return [];
  const conds: SQL[] = [];
  if (present(f.any_)) conds.push(anyOf(col, f.any_));
  if (present(f.not_any_)) conds.push(noneOf(col, f.not_any_));
  return conds;
}

function nameFilter(col: SQL, f: Json | undefined, d: Fragments): SQL[] {
  if (!f) return [];
  const conds = idFilter(col, f);
  // Prefect applies like_ only when it is not empty.
  if (f.like_) conds.push(d.contains(col, String(f.like_)));
  return conds;
}

function tagsFilter(col: SQL, f: Json | undefined, d: Fragments): SQL[] {
  if (!f) return [];
  const conds: SQL[] = [];
  if (present(f.all_) && f.all_.length) conds.push(d.jsonHasAll(col, f.all_));
  if (present(f.any_)) conds.push(f.any_.length ? d.jsonHasAny(col, f.any_) : sql`1 = 0`);
  if (present(f.is_null_)) conds.push(f.is_null_ ? d.jsonEmpty(col) : sql`NOT ${d.jsonEmpty(col)}`);
  return combine(f, conds);
}

function timeFilter(col: SQL, f: Json | undefined, where: string): SQL[] {
  if (!f) return [];
  const conds: SQL[] = [];
  if (present(f.before_)) conds.push(sql`${col} <= ${ts(f.before_, `${where}.before_`)}`);
  if (present(f.after_)) conds.push(sql`${col} >= ${ts(f.after_, `${where}.after_`)}`);
  if (present(f.is_null_)) conds.push(f.is_null_ ? sql`${col} IS NULL` : sql`${col} IS NOT NULL`);
  return conds;
}

function nullableAny(col: SQL, f: Json | undefined): SQL[] {
  if (!f) return [];
  const conds: SQL[] = [];
  if (present(f.any_)) conds.push(anyOf(col, f.any_));
  if (present(f.is_null_)) conds.push(f.is_null_ ? sql`${col} IS NULL` : sql`${col} IS NOT NULL`);
  return combine(f, conds);
}

function stateFilter(prefix: string, f: Json | undefined): SQL[] {
  if (!f) return [];
  const conds: SQL[] = [];
  const type = raw(`${prefix}.state_type`);
  const name = raw(`${prefix}.state_name`);
  if (f.type) conds.push(...idFilter(type, f.type));
  if (f.name) conds.push(...idFilter(name, f.name));
  return combine(f, conds);
}

export const flowConditions: Builder = (f, d) =>
  combine(f, [
    ...idFilter(raw("flow.id"), f.id),
    ...nameFilter(raw("flow.name"), f.name, d),
    ...tagsFilter(raw("flow.tags"), f.tags, d),
    // No deployments exist yet: every flow has none.
    ...(f.deployment && present(f.deployment.is_null_) ? [f.deployment.is_null_ ? sql`1 = 1` : sql`1 = 0`] : []),
  ]);

export const flowRunConditions: Builder = (f, d) =>
  combine(f, [
    ...idFilter(raw("flow_run.id"), f.id),
    ...nameFilter(raw("flow_run.name"), f.name, d),
    ...tagsFilter(raw("flow_run.tags"), f.tags, d),
    ...nullableAny(raw("flow_run.deployment_id"), f.deployment_id),
    ...nullableAny(raw("flow_run.work_queue_name"), f.work_queue_name),
    ...stateFilter("flow_run", f.state),
    ...(f.flow_version?.any_ ? [anyOf(raw("flow_run.flow_version"), f.flow_version.any_)] : []),
    ...timeFilter(raw("flow_run.start_time"), f.start_time, "flow_runs.start_time"),
    ...timeFilter(raw("flow_run.end_time"), f.end_time, "flow_runs.end_time"),
    ...timeFilter(raw("flow_run.expected_start_time"), f.expected_start_time, "flow_runs.expected_start_time"),
    ...timeFilter(
      raw("flow_run.next_scheduled_start_time"),
      f.next_scheduled_start_time,
      "flow_runs.next_scheduled_start_time",
    ),
    ...(f.parent_flow_run_id?.any_
      ? [
          sql`flow_run.parent_task_run_id IN (SELECT id FROM task_run WHERE ${anyOf(raw("task_run.flow_run_id"), f.parent_flow_run_id.any_)})`,
        ]
      : []),
    ...nullableAny(raw("flow_run.parent_task_run_id"), f.parent_task_run_id),
    ...idFilter(raw("flow_run.idempotency_key"), f.idempotency_key),
  ]);

export const taskRunConditions: Builder = (f, d) =>
  combine(f, [
    ...idFilter(raw("task_run.id"), f.id),
    ...nameFilter(raw("task_run.name"), f.name, d),
    ...tagsFilter(raw("task_run.tags"), f.tags, d),
    ...stateFilter("task_run", f.state),
    ...timeFilter(raw("task_run.start_time"), f.start_time, "task_runs.start_time"),
    ...timeFilter(raw("task_run.end_time"), f.end_time, "task_runs.end_time"),
    ...timeFilter(raw("task_run.expected_start_time"), f.expected_start_time, "task_runs.expected_start_time"),
    ...(f.subflow_runs && present(f.subflow_runs.exists_)
      ? [
          sql`${raw(f.subflow_runs.exists_ ? "" : "NOT ")}EXISTS (SELECT 1 FROM flow_run sub WHERE sub.parent_task_run_id = task_run.id)`,
        ]
      : []),
    ...nullableAny(raw("task_run.flow_run_id"), f.flow_run_id),
  ]);

export const logConditions: Builder = (f, d) =>
  combine(f, [
    ...(present(f.level?.ge_) ? [sql`log.level >= ${f.level.ge_}`] : []),
    ...(present(f.level?.le_) ? [sql`log.level <= ${f.level.le_}`] : []),
    ...timeFilter(raw("log.timestamp"), f.timestamp, "logs.timestamp"),
    ...(f.flow_run_id?.any_ ? [anyOf(raw("log.flow_run_id"), f.flow_run_id.any_)] : []),
    ...nullableAny(raw("log.task_run_id"), f.task_run_id),
    ...(f.text?.query
      ? [or([d.contains(raw("log.message"), f.text.query), d.contains(raw("log.name"), f.text.query)])]
      : []),
  ]);

/** Deployments are not stored yet; an id filter still narrows runs by their deployment_id. */
const deploymentOnRuns = (f: Json | undefined, col: string): SQL[] => (f?.id?.any_ ? [anyOf(raw(col), f.id.any_)] : []);

/** The body of POST /flow_runs/filter (and count, paginate, history): conditions on flow_run. */
export function flowRunWhere(body: Json, d: Fragments): SQL {
  const conds: SQL[] = [];
  if (body.flow_runs) conds.push(...flowRunConditions(body.flow_runs, d));
  if (body.flows)
    conds.push(sql`flow_run.flow_id IN (SELECT flow.id FROM flow WHERE ${and(flowConditions(body.flows, d))})`);
  if (body.task_runs)
    conds.push(
      sql`flow_run.id IN (SELECT task_run.flow_run_id FROM task_run WHERE ${and(taskRunConditions(body.task_runs, d))})`,
    );
  conds.push(...deploymentOnRuns(body.deployments, "flow_run.deployment_id"));
  const queueName = body.work_pool_queues?.name;
  if (queueName?.any_) conds.push(anyOf(raw("flow_run.work_queue_name"), queueName.any_));
  if (queueName?.startswith_) {
    const prefixes = queueName.startswith_ as string[];
    conds.push(
      prefixes.length ? or(prefixes.map((p) => d.startsWith(raw("flow_run.work_queue_name"), p))) : sql`1 = 0`,
    );
  }
  return and(conds);
}

/** The body of POST /task_runs/filter (and count): conditions on task_run. */
export function taskRunWhere(body: Json, d: Fragments): SQL {
  const conds: SQL[] = [];
  if (body.task_runs) conds.push(...taskRunConditions(body.task_runs, d));
  const runConds: SQL[] = [];
  if (body.flow_runs) runConds.push(...flowRunConditions(body.flow_runs, d));
  if (body.flows)
    runConds.push(sql`flow_run.flow_id IN (SELECT flow.id FROM flow WHERE ${and(flowConditions(body.flows, d))})`);
  runConds.push(...deploymentOnRuns(body.deployments, "flow_run.deployment_id"));
  if (runConds.length)
    conds.push(sql`task_run.flow_run_id IN (SELECT flow_run.id FROM flow_run WHERE ${and(runConds)})`);
  return and(conds);
}

/** The body of POST /flows/filter: conditions on flow. */
export function flowWhere(body: Json, d: Fragments): SQL {
  const conds: SQL[] = [];
  if (body.flows) conds.push(...flowConditions(body.flows, d));
  const runConds: SQL[] = [];
  if (body.flow_runs) runConds.push(...flowRunConditions(body.flow_runs, d));
  if (body.task_runs)
    runConds.push(
      sql`flow_run.id IN (SELECT task_run.flow_run_id FROM task_run WHERE ${and(taskRunConditions(body.task_runs, d))})`,
    );
  runConds.push(...deploymentOnRuns(body.deployments, "flow_run.deployment_id"));
  if (runConds.length) conds.push(sql`flow.id IN (SELECT flow_run.flow_id FROM flow_run WHERE ${and(runConds)})`);
  return and(conds);
}

export function logWhere(body: Json, d: Fragments): SQL {
  return and(body.logs ? logConditions(body.logs, d) : []);
}

// [expression, direction] per sort name, as Prefect's sorting.py defines them; NULLs fall where each
// dialect puts them (Prefect writes plain ASC/DESC too). The id breaks ties so pages never overlap.
type Sort = [expr: string, dir: "ASC" | "DESC"];
const SORTS: Record<string, Record<string, Sort>> = {
  flow: {
    CREATED_DESC: ["flow.created", "DESC"],
    UPDATED_DESC: ["flow.updated", "DESC"],
    NAME_ASC: ["flow.name", "ASC"],
    NAME_DESC: ["flow.name", "DESC"],
  },
  flow_run: {
    ID_DESC: ["flow_run.id", "DESC"],
    START_TIME_ASC: ["coalesce(flow_run.start_time, flow_run.expected_start_time)", "ASC"],
    START_TIME_DESC: ["coalesce(flow_run.start_time, flow_run.expected_start_time)", "DESC"],
    EXPECTED_START_TIME_ASC: ["flow_run.expected_start_time", "ASC"],
    EXPECTED_START_TIME_DESC: ["flow_run.expected_start_time", "DESC"],
    NAME_ASC: ["flow_run.name", "ASC"],
    NAME_DESC: ["flow_run.name", "DESC"],
    NEXT_SCHEDULED_START_TIME_ASC: ["flow_run.next_scheduled_start_time", "ASC"],
    END_TIME_DESC: ["flow_run.end_time", "DESC"],
  },
  task_run: {
    ID_DESC: ["task_run.id", "DESC"],
    EXPECTED_START_TIME_ASC: ["task_run.expected_start_time", "ASC"],
    EXPECTED_START_TIME_DESC: ["task_run.expected_start_time", "DESC"],
    NAME_ASC: ["task_run.name", "ASC"],
    NAME_DESC: ["task_run.name", "DESC"],
    NEXT_SCHEDULED_START_TIME_ASC: ["task_run.next_scheduled_start_time", "ASC"],
    END_TIME_DESC: ["task_run.end_time", "DESC"],
  },
  log: { TIMESTAMP_ASC: ["log.timestamp", "ASC"], TIMESTAMP_DESC: ["log.timestamp", "DESC"] },
};

export const SORT_NAMES = Object.fromEntries(Object.entries(SORTS).map(([k, v]) => [k, Object.keys(v)])) as Record<
  string,
  string[]
>;

/** ORDER BY for a sort name, with the row id as the tie-breaker. */
export function orderBy(table: keyof typeof SORTS, sort: string | null | undefined, fallback: string): SQL {
  const [expr, dir] = sortKey(table, sort, fallback);
  return raw(expr === `${table}.id` ? `${expr} ${dir}` : `${expr} ${dir}, ${table}.id ${dir}`);
}

/** The sort key expression and direction of a sort name (for keyset pagination over the same order). */
export function sortKey(table: keyof typeof SORTS, sort: string | null | undefined, fallback: string): Sort {
  return SORTS[table][sort ?? fallback] ?? SORTS[table][fallback];
}
