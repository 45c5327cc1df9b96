// /api/task_runs (create, read, update, delete, filter, count, paginate, set_state) and /api/task_run_states.
import { Elysia, t } from "elysia";
import type { StateCreate } from "../orchestration/index.ts";
import { SORT_NAMES } from "../store/filters.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { TaskRunsStore } from "../store/task-runs.ts";
import { IdParams, json, noContent, orNotFound, Uuid, type Body } from "./common.ts";
import { listRoutes } from "./list-routes.ts";
import { Labels, Nullable, TaskInputs, TaskRunPolicy } from "../schemas/runs.ts";
import { checkedState, checkedTimestamp, SetStateBody, setStateHandler, StateCreateModel } from "./run-models.ts";

const TaskRunCreateBody = t.Object(
  {
    id: t.Optional(Nullable(Uuid)),
    name: t.Optional(Nullable(t.String())),
    flow_run_id: t.Optional(Nullable(Uuid)),
    task_key: t.String(),
    dynamic_key: t.String(),
    cache_key: t.Optional(Nullable(t.String())),
    cache_expiration: t.Optional(Nullable(t.String())),
    task_version: t.Optional(Nullable(t.String())),
    empirical_policy: t.Optional(Nullable(TaskRunPolicy)),
    tags: t.Optional(t.Array(t.String())),
    labels: t.Optional(Labels),
    task_inputs: t.Optional(Nullable(TaskInputs)),
    state: t.Optional(Nullable(StateCreateModel)),
  },
  { additionalProperties: true },
);

export function taskRunsApi(deps: { taskRuns: TaskRunsStore; transitions: Transitions; maxLimit: number }) {
  const { taskRuns, transitions, maxLimit } = deps;
  const runs = new Elysia({ name: "api.task-runs", prefix: "/task_runs" })
    .post(
      "/",
      async ({ body }) => {
        const state = checkedState(body.state as StateCreate | null, "state");
        const cache_expiration = body.cache_expiration
          ? checkedTimestamp(body.cache_expiration, ["body", "cache_expiration"])
          : null;
        const { created, run } = await transitions.createTaskRun({
          ...(body as Body),
          task_key: body.task_key,
          dynamic_key: body.dynamic_key,
          cache_expiration,
          state,
        } as never);
        return json(run, created ? 201 : 200);
      },
      { body: TaskRunCreateBody },
    )
    .get("/:id", async ({ params }) => orNotFound(await taskRuns.get(params.id), "Task run"), { params: IdParams })
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound((await taskRuns.update(params.id, body as never)) || null, "Task run");
        return noContent();
      },
      { params: IdParams, body: t.Object({ name: t.Optional(t.String()) }, { additionalProperties: true }) },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        orNotFound((await taskRuns.delete(params.id)) || null, "Task run");
        return noContent();
      },
      { params: IdParams },
    )
    .post("/:id/set_state", setStateHandler("Task run", transitions.setTaskRunState), {
      params: IdParams,
      body: SetStateBody,
    })
    .use(listRoutes("api.task-runs", taskRuns, SORT_NAMES.task_run, maxLimit));

  const states = new Elysia({ name: "api.task-run-states", prefix: "/task_run_states" })
    .get("/", async ({ query }) => taskRuns.states(query.task_run_id), { query: t.Object({ task_run_id: Uuid }) })
    .get("/:id", async ({ params }) => orNotFound(await taskRuns.state(params.id), "Task run state"), {
      params: IdParams,
    });

  return new Elysia({ name: "api.task-runs-all" }).use(runs).use(states);
}
