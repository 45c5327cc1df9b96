// Prefect's filter grammar as request models (prefect/server/schemas/filters.py): wrong types are a 422
// before a query is built. Unknown keys pass, so newer clients keep working — which is only safe because
// the SQL builders (src/store/filters.ts) read nothing these models do not type.
import { t, type TSchema } from "elysia";
import { STATE_TYPES } from "../orchestration/index.ts";
import { Int32, Uuid } from "./common.ts";

const opt = <T extends TSchema>(s: T) => t.Optional(t.Union([s, t.Null()]));
/**
 * The most values one `any_`/`all_` list may hold. Each value is a bound parameter, and a statement may
 * have at most 65,535 of them on PostgreSQL; this keeps several lists in one filter under that.
 */
export const MAX_FILTER_LIST = 5_000;
const list = <T extends TSchema>(s: T) => opt(t.Array(s, { maxItems: MAX_FILTER_LIST }));
const obj = (props: Record<string, TSchema>) => t.Object(props, { additionalProperties: true });
const Operator = opt(t.UnionEnum(["and_", "or_"]));
const Str = t.String();
const Bool = t.Boolean();

const IdFilter = opt(obj({ any_: list(Uuid), not_any_: list(Uuid) }));
const NameFilter = opt(obj({ any_: list(Str), like_: opt(Str) }));
// Only work-queue names have startswith_ in Prefect: a list of case-insensitive prefixes, any of which matches.
const WorkQueueNameFilter = opt(obj({ any_: list(Str), startswith_: list(Str) }));
const TagsFilter = opt(obj({ operator: Operator, all_: list(Str), any_: list(Str), is_null_: opt(Bool) }));
const TimeFilter = opt(obj({ before_: opt(Str), after_: opt(Str), is_null_: opt(Bool) }));
const StateType = t.UnionEnum([...STATE_TYPES]);
const StateFilter = opt(
  obj({
    operator: Operator,
    type: opt(obj({ any_: list(StateType), not_any_: list(StateType) })),
    name: opt(obj({ any_: list(Str), not_any_: list(Str) })),
  }),
);

export const FlowFilter = opt(
  obj({
    operator: Operator,
    id: IdFilter,
    deployment: opt(obj({ operator: Operator, is_null_: opt(Bool) })),
    name: NameFilter,
    tags: TagsFilter,
  }),
);

export const FlowRunFilter = opt(
  obj({
    operator: Operator,
    id: IdFilter,
    name: NameFilter,
    tags: TagsFilter,
    deployment_id: opt(obj({ operator: Operator, any_: list(Uuid), is_null_: opt(Bool) })),
    work_queue_name: opt(obj({ operator: Operator, any_: list(Str), is_null_: opt(Bool) })),
    state: StateFilter,
    flow_version: opt(obj({ any_: list(Str) })),
    start_time: TimeFilter,
    end_time: TimeFilter,
    expected_start_time: TimeFilter,
    next_scheduled_start_time: TimeFilter,
    parent_flow_run_id: opt(obj({ operator: Operator, any_: list(Uuid) })),
    parent_task_run_id: opt(obj({ operator: Operator, any_: list(Uuid), is_null_: opt(Bool) })),
    idempotency_key: opt(obj({ any_: list(Str), not_any_: list(Str) })),
  }),
);

export const TaskRunFilter = opt(
  obj({
    operator: Operator,
    id: IdFilter,
    name: NameFilter,
    tags: TagsFilter,
    state: StateFilter,
    start_time: TimeFilter,
    end_time: TimeFilter,
    expected_start_time: TimeFilter,
    subflow_runs: opt(obj({ exists_: opt(Bool) })),
    flow_run_id: opt(obj({ operator: Operator, any_: list(Uuid), is_null_: opt(Bool) })),
  }),
);

export const DeploymentFilter = opt(obj({ operator: Operator, id: IdFilter }));

export const LogFilter = opt(
  obj({
    operator: Operator,
    level: opt(obj({ ge_: opt(Int32), le_: opt(Int32) })),
    timestamp: opt(obj({ before_: opt(Str), after_: opt(Str) })),
    flow_run_id: opt(obj({ any_: list(Uuid) })),
    task_run_id: opt(obj({ any_: list(Uuid), is_null_: opt(Bool) })),
    text: opt(obj({ query: Str })),
  }),
);

const Paging = {
  sort: opt(Str),
  limit: opt(t.Integer({ minimum: 0 })),
  offset: opt(t.Integer({ minimum: 0 })),
};

/** The resource filters a flow, flow-run or task-run query may combine (also /flow_runs/history). */
export const RunFilters = {
  flows: FlowFilter,
  flow_runs: FlowRunFilter,
  task_runs: TaskRunFilter,
  deployments: DeploymentFilter,
  work_pools: opt(obj({})),
  // Prefect's WorkQueueFilter; flow-run filters narrow by the queue's name.
  work_pool_queues: opt(obj({ operator: Operator, id: IdFilter, name: WorkQueueNameFilter })),
  work_queues: opt(obj({})),
};

/** The body of the flow, flow-run and task-run filter/count/paginate routes. */
export const RunsFilterBody = t.Optional(
  obj({ ...RunFilters, page: t.Optional(t.Integer({ minimum: 1 })), ...Paging }),
);

export const LogsFilterBody = t.Optional(obj({ logs: LogFilter, ...Paging }));
