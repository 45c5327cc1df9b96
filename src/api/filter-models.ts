// The filter bodies of the flow, flow-run, task-run and log routes, built from the filter grammar's own
// models (store/filters.ts defines each field's model beside its SQL): wrong types are a 422 before a
// query is built, and the SQL reads nothing these models do not type.
import { t, type TSchema } from "elysia";
import {
  deploymentFilter,
  flowFilter,
  flowRunFilter,
  logFilter,
  taskRunFilter,
  workQueueFilter,
} from "../store/filters.ts";
import { workPoolFilter } from "../store/work-pool-filters.ts";

const opt = <T extends TSchema>(s: T) => t.Optional(t.Union([s, t.Null()]));
const obj = (props: Record<string, TSchema>) => t.Object(props, { additionalProperties: true });
const Str = t.String();

const Paging = {
  sort: opt(Str),
  limit: opt(t.Integer({ minimum: 0 })),
  offset: opt(t.Integer({ minimum: 0 })),
};

/** The resource filters a flow, flow-run or task-run query may combine (also /flow_runs/history). */
export const RunFilters = {
  flows: flowFilter.model,
  flow_runs: flowRunFilter.model,
  task_runs: taskRunFilter.model,
  deployments: deploymentFilter.model,
  work_pools: workPoolFilter.model,
  work_pool_queues: workQueueFilter.model,
  work_queues: opt(obj({})),
};

/** The body of the flow, flow-run and task-run filter/count/paginate routes. */
export const RunsFilterBody = t.Optional(
  obj({ ...RunFilters, page: t.Optional(t.Integer({ minimum: 1 })), ...Paging }),
);

export const LogsFilterBody = t.Optional(obj({ logs: logFilter.model, ...Paging }));
