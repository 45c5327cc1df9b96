// Prefect's filter grammar (FlowFilter, FlowRunFilter, TaskRunFilter, LogFilter, …), each field defined
// once: the request model the API validates with and the SQL condition it means, side by side. The API
// builds its bodies from these models (api/filter-models.ts), the stores and the dashboard build their
// WHERE clauses from the same fields, so a key the SQL reads is always a key the model types. Unknown
// keys pass the models (newer clients keep working) and mean nothing. One SQL text for both dialects;
// the few differences come from Fragments.
import type { SQL } from "drizzle-orm";
import { type TSchema, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { normalizeTimestamp } from "../core/time.ts";
import { sql } from "../db/sql-tag.ts";
import { STATE_TYPES } from "../orchestration/states.ts";
import { Int32, Uuid } from "../schemas/common.ts";
import { and, type Fragments, list, or, raw } from "./sql.ts";

type Json = JsonObject;
type Builder = (f: Json, d: Fragments) => SQL[];

// ---------------------------------------------------------------------------------------------------
// Models

const opt = <T extends TSchema>(s: T) => t.Optional(t.Union([s, t.Null()]));
/**
 * The most values one `any_`/`all_` list may hold. Each value is a bound parameter, and a statement may
 * have at most 65,535 of them on PostgreSQL; this keeps several lists in one filter under that.
 */
export const MAX_FILTER_LIST = 5_000;
const listOf = <T extends TSchema>(s: T) => opt(t.Array(s, { maxItems: MAX_FILTER_LIST }));
const obj = (props: Record<string, TSchema>) => t.Object(props, { additionalProperties: true });
const Operator = opt(t.UnionEnum(["and_", "or_"]));
const Str = t.String();
const Bool = t.Boolean();
const StateType = t.UnionEnum([...STATE_TYPES]);

// ---------------------------------------------------------------------------------------------------
// SQL pieces

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** Combines a filter object's own conditions with its `operator` (and_ by default). */
function combine(f: Json | undefined | null, conds: SQL[]): SQL[] {
  if (!conds.length) return [];
  return [f?.operator === "or_" ? or(conds) : and(conds)];
}

function ts(value: unknown, path: string[]): string {
  const n = typeof value === "string" ? normalizeTimestamp(value) : null;
  if (!n)
    throw invalidFields(`Invalid datetime in ${path.join(".")}: ${JSON.stringify(value)}`, [
      { path, msg: "Input should be a valid datetime", type: "datetime_parsing" },
    ]);
  return n;
}

function anyOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`${col} IN (${list(values)})` : sql`1 = 0`;
}

function noneOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`(${col} IS NULL OR ${col} NOT IN (${list(values)}))` : sql`1 = 1`;
}

function anyNotAny(col: SQL, f: Json): SQL[] {
  const conds: SQL[] = [];
  if (present(f.any_)) conds.push(anyOf(col, f.any_));
  if (present(f.not_any_)) conds.push(noneOf(col, f.not_any_));
  return conds;
}

// ---------------------------------------------------------------------------------------------------
// Fields: a model and its SQL. `path` names the field inside the request body, for errors.

interface Field {
  model: TSchema;
  sql(f: Json, d: Fragments, path: string[]): SQL[];
}

/** any_ / not_any_ of ids (or of another item type). */
const ids = (col: string, item: TSchema = Uuid): Field => ({
  model: opt(obj({ any_: listOf(item), not_any_: listOf(item) })),
  sql: (f) => anyNotAny(raw(col), f),
});

/** any_ alone. */
const anyOnly = (col: string, item: TSchema): Field => ({
  model: opt(obj({ any_: listOf(item) })),
  sql: (f) => (f.any_ ? [anyOf(raw(col), f.any_)] : []),
});

/** any_ and like_ (a case-insensitive substring; Prefect applies it only when not empty). */
const names = (col: string): Field => ({
  model: opt(obj({ any_: listOf(Str), like_: opt(Str) })),
  sql: (f, d) => [...anyNotAny(raw(col), f), ...(f.like_ ? [d.contains(raw(col), String(f.like_))] : [])],
});

/** Tags: all_ (an empty list is no condition), any_ (an empty list matches nothing), is_null_. */
const tags = (col: string): Field => ({
  model: opt(obj({ operator: Operator, all_: listOf(Str), any_: listOf(Str), is_null_: opt(Bool) })),
  sql: (f, d) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.all_) && f.all_.length) conds.push(d.jsonHasAll(c, f.all_));
    if (present(f.any_)) conds.push(f.any_.length ? d.jsonHasAny(c, f.any_) : sql`1 = 0`);
    if (present(f.is_null_)) conds.push(f.is_null_ ? d.jsonEmpty(c) : sql`NOT ${d.jsonEmpty(c)}`);
    return combine(f, conds);
  },
});

/** before_ / after_ (inclusive) and, where Prefect has it, is_null_. */
const times = (col: string, withNull = true): Field => ({
  model: opt(obj({ before_: opt(Str), after_: opt(Str), ...(withNull ? { is_null_: opt(Bool) } : {}) })),
  sql: (f, _d, path) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.before_)) conds.push(sql`${c} <= ${ts(f.before_, [...path, "before_"])}`);
    if (present(f.after_)) conds.push(sql`${c} >= ${ts(f.after_, [...path, "after_"])}`);
    if (withNull && present(f.is_null_)) conds.push(f.is_null_ ? sql`${c} IS NULL` : sql`${c} IS NOT NULL`);
    return conds;
  },
});

/** any_ and is_null_ on a nullable column. */
const nullable = (col: string, item: TSchema, withOperator = true): Field => ({
  model: opt(obj({ ...(withOperator ? { operator: Operator } : {}), any_: listOf(item), is_null_: opt(Bool) })),
  sql: (f) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.any_)) conds.push(anyOf(c, f.any_));
    if (present(f.is_null_)) conds.push(f.is_null_ ? sql`${c} IS NULL` : sql`${c} IS NOT NULL`);
    return combine(f, conds);
  },
});

/** The current state's type and name. */
const state = (table: string): Field => ({
  model: opt(
    obj({
      operator: Operator,
      type: opt(obj({ any_: listOf(StateType), not_any_: listOf(StateType) })),
      name: opt(obj({ any_: listOf(Str), not_any_: listOf(Str) })),
    }),
  ),
  sql: (f) => {
    const conds: SQL[] = [];
    if (f.type) conds.push(...anyNotAny(raw(`${table}.state_type`), f.type));
    if (f.name) conds.push(...anyNotAny(raw(`${table}.state_name`), f.name));
    return combine(f, conds);
  },
});

/** A resource's filter: its fields' models as one model, their conditions joined by its operator. */
function resource(bodyKey: string, fields: Record<string, Field>, withOperator = true) {
  const props: Record<string, TSchema> = withOperator ? { operator: Operator } : {};
  for (const [key, field] of Object.entries(fields)) props[key] = field.model;
  const conditions: Builder = (f, d) =>
    combine(
      f,
      Object.entries(fields).flatMap(([key, field]) => (present(f[key]) ? field.sql(f[key], d, [bodyKey, key]) : [])),
    );
  return { model: opt(obj(props)), conditions };
}

// ---------------------------------------------------------------------------------------------------
// Prefect's resource filters

export const flowFilter = resource("flows", {
  id: ids("flow.id"),
  // Flows with (is_null_: false) or without (true) a deployment.
  deployment: {
    model: opt(obj({ operator: Operator, is_null_: opt(Bool) })),
    sql: (f) =>
      present(f.is_null_)
        ? [sql`${raw(f.is_null_ ? "NOT " : "")}EXISTS (SELECT 1 FROM deployment WHERE deployment.flow_id = flow.id)`]
        : [],
  },
  name: names("flow.name"),
  tags: tags("flow.tags"),
});

export const flowRunFilter = resource("flow_runs", {
  id: ids("flow_run.id"),
  name: names("flow_run.name"),
  tags: tags("flow_run.tags"),
  deployment_id: nullable("flow_run.deployment_id", Uuid),
  work_queue_name: nullable("flow_run.work_queue_name", Str),
  state: state("flow_run"),
  flow_version: anyOnly("flow_run.flow_version", Str),
  start_time: times("flow_run.start_time"),
  end_time: times("flow_run.end_time"),
  expected_start_time: times("flow_run.expected_start_time"),
  next_scheduled_start_time: times("flow_run.next_scheduled_start_time"),
  // Runs whose parent task run belongs to one of these flow runs.
  parent_flow_run_id: {
    model: opt(obj({ operator: Operator, any_: listOf(Uuid) })),
    sql: (f) =>
      f.any_
        ? [
            sql`flow_run.parent_task_run_id IN (SELECT id FROM task_run WHERE ${anyOf(raw("task_run.flow_run_id"), f.any_)})`,
          ]
        : [],
  },
  parent_task_run_id: nullable("flow_run.parent_task_run_id", Uuid),
  idempotency_key: ids("flow_run.idempotency_key", Str),
});

export const taskRunFilter = resource("task_runs", {
  id: ids("task_run.id"),
  name: names("task_run.name"),
  tags: tags("task_run.tags"),
  state: state("task_run"),
  start_time: times("task_run.start_time"),
  end_time: times("task_run.end_time"),
  expected_start_time: times("task_run.expected_start_time"),
  subflow_runs: {
    model: opt(obj({ exists_: opt(Bool) })),
    sql: (f) =>
      present(f.exists_)
        ? [
            sql`${raw(f.exists_ ? "" : "NOT ")}EXISTS (SELECT 1 FROM flow_run sub WHERE sub.parent_task_run_id = task_run.id)`,
          ]
        : [],
  },
  flow_run_id: nullable("task_run.flow_run_id", Uuid),
});

export const deploymentFilter = resource("deployments", {
  id: ids("deployment.id"),
  name: names("deployment.name"),
  // A case-insensitive substring of the deployment's name or its flow's.
  flow_or_deployment_name: {
    model: opt(obj({ like_: opt(Str) })),
    sql: (f, d) =>
      f.like_
        ? [
            or([
              d.contains(raw("deployment.name"), String(f.like_)),
              sql`deployment.flow_id IN (SELECT flow.id FROM flow WHERE ${d.contains(raw("flow.name"), String(f.like_))})`,
            ]),
          ]
        : [],
  },
  paused: {
    model: opt(obj({ eq_: opt(Bool) })),
    sql: (f) => (present(f.eq_) ? [sql`deployment.paused = ${Boolean(f.eq_)}`] : []),
  },
  tags: tags("deployment.tags"),
  work_queue_name: anyOnly("deployment.work_queue_name", Str),
  // Deprecated in Prefect, which accepts it and filters nothing by it.
  concurrency_limit: {
    model: opt(obj({ ge_: opt(Int32), le_: opt(Int32), is_null_: opt(Bool) })),
    sql: () => [],
  },
});

/** Prefect's WorkQueueFilter, on the queue a run names. Only work-queue names have startswith_. */
export const workQueueFilter = resource("work_pool_queues", {
  id: ids("flow_run.work_queue_id"),
  name: {
    model: opt(obj({ any_: listOf(Str), startswith_: listOf(Str) })),
    sql: (f, d) => {
      const col = raw("flow_run.work_queue_name");
      const conds: SQL[] = [];
      if (f.any_) conds.push(anyOf(col, f.any_));
      // A list of case-insensitive prefixes, any of which matches; an empty list matches nothing.
      if (f.startswith_) {
        const prefixes = f.startswith_ as string[];
        conds.push(prefixes.length ? or(prefixes.map((p) => d.startsWith(col, p))) : sql`1 = 0`);
      }
      return conds;
    },
  },
});

export const logFilter = resource("logs", {
  level: {
    model: opt(obj({ ge_: opt(Int32), le_: opt(Int32) })),
    sql: (f) => [
      ...(present(f.ge_) ? [sql`log.level >= ${f.ge_}`] : []),
      ...(present(f.le_) ? [sql`log.level <= ${f.le_}`] : []),
    ],
  },
  timestamp: times("log.timestamp", false),
  flow_run_id: anyOnly("log.flow_run_id", Uuid),
  task_run_id: nullable("log.task_run_id", Uuid, false),
  text: {
    model: opt(obj({ query: Str })),
    sql: (f, d) =>
      f.query ? [or([d.contains(raw("log.message"), f.query), d.contains(raw("log.name"), f.query)])] : [],
  },
});

const flowConditions = flowFilter.conditions;
const deploymentConditions = deploymentFilter.conditions;
/** Runs of the deployments a DeploymentFilter selects. */
const runsOfDeployments = (f: Json, d: Fragments): SQL =>
  sql`flow_run.deployment_id IN (SELECT deployment.id FROM deployment WHERE ${and(deploymentConditions(f, d))})`;
const flowRunConditions = flowRunFilter.conditions;
const taskRunConditions = taskRunFilter.conditions;
const logConditions = logFilter.conditions;

/** Whether any field of a filter object says something (operators alone do not). */
function hasCondition(f: unknown): boolean {
  if (f === null || f === undefined) return false;
  if (typeof f !== "object") return true;
  return Object.entries(f as Json).some(([k, v]) => k !== "operator" && hasCondition(v));
}

/**
 * Work pools do not exist yet: a filter that names one matches nothing (Prefect's join to work_pool
 * finds no row), and one that names none matches as if absent.
 */
const namesNoPool = (body: Json) => hasCondition(body.work_pools);

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
  if (body.deployments) conds.push(runsOfDeployments(body.deployments, d));
  if (body.work_pool_queues) conds.push(...workQueueFilter.conditions(body.work_pool_queues, d));
  if (namesNoPool(body)) conds.push(sql`1 = 0`);
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
  if (body.deployments) runConds.push(runsOfDeployments(body.deployments, d));
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
  if (body.deployments) runConds.push(runsOfDeployments(body.deployments, d));
  if (runConds.length) conds.push(sql`flow.id IN (SELECT flow_run.flow_id FROM flow_run WHERE ${and(runConds)})`);
  return and(conds);
}

/** The body of POST /deployments/filter (and count, paginate): conditions on deployment. */
export function deploymentWhere(body: Json, d: Fragments): SQL {
  const conds: SQL[] = [];
  if (body.deployments) conds.push(...deploymentConditions(body.deployments, d));
  if (body.flows)
    conds.push(sql`deployment.flow_id IN (SELECT flow.id FROM flow WHERE ${and(flowConditions(body.flows, d))})`);
  const runConds: SQL[] = [];
  if (body.flow_runs) runConds.push(...flowRunConditions(body.flow_runs, d));
  if (body.task_runs)
    runConds.push(
      sql`flow_run.id IN (SELECT task_run.flow_run_id FROM task_run WHERE ${and(taskRunConditions(body.task_runs, d))})`,
    );
  if (runConds.length)
    conds.push(sql`deployment.id IN (SELECT flow_run.deployment_id FROM flow_run WHERE ${and(runConds)})`);
  // An empty list matches nothing, as everywhere in the grammar.
  if (body.work_pool_queues?.name?.any_)
    conds.push(anyOf(raw("deployment.work_queue_name"), body.work_pool_queues.name.any_));
  if (body.work_pool_queues?.id?.any_)
    conds.push(anyOf(raw("deployment.work_queue_id"), body.work_pool_queues.id.any_));
  if (namesNoPool(body)) conds.push(sql`1 = 0`);
  return and(conds);
}

export function logWhere(body: Json, d: Fragments): SQL {
  return and(body.logs ? logConditions(body.logs, d) : []);
}

export { orderBy, SORT_NAMES, sortKey } from "./sorts.ts";
