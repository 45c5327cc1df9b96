// Prefect's filter grammar (FlowFilter, FlowRunFilter, TaskRunFilter, LogFilter, …), each field defined
// once from the pieces in store/filter-fields.ts: the request model the API validates with and the SQL
// condition it means. The API builds its bodies from these models (api/filter-models.ts), the stores and
// the dashboard build their WHERE clauses from the same fields, so a key the SQL reads is always a key the
// model types.
import type { SQL } from "drizzle-orm";
import type { JsonObject } from "../core/json.ts";
import { sql } from "../db/sql-tag.ts";
import { Int32, Uuid } from "../schemas/common.ts";
import { and, type Fragments, or, raw } from "./sql.ts";
import { inPoolsOf, queueNames } from "./work-pool-filters.ts";
import {
  anyOf,
  anyOnly,
  Bool,
  ids,
  names,
  nullable,
  obj,
  Operator,
  opt,
  present,
  resource,
  state,
  Str,
  tags,
  times,
  listOf,
} from "./filter-fields.ts";

export { MAX_FILTER_LIST } from "./filter-fields.ts";

type Json = JsonObject;
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

/** Prefect's WorkQueueFilter, on the queue a run names. */
export const workQueueFilter = resource("work_pool_queues", {
  id: ids("flow_run.work_queue_id"),
  name: queueNames("flow_run.work_queue_name"),
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

/** A WorkPoolFilter that says something (an empty one matches as if absent, runs without a pool too). */
const namesPool = (body: Json) => hasCondition(body.work_pools);

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
  if (namesPool(body)) conds.push(inPoolsOf("flow_run.work_queue_id", body.work_pools, d));
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
  if (namesPool(body)) conds.push(inPoolsOf("deployment.work_queue_id", body.work_pools, d));
  return and(conds);
}

export function logWhere(body: Json, d: Fragments): SQL {
  return and(body.logs ? logConditions(body.logs, d) : []);
}

export { orderBy, SORT_NAMES, sortKey } from "./sorts.ts";
