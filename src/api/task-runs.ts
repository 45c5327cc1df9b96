// /api/task_runs (create, read, update, delete, filter, count, paginate, history, set_state) and
// /api/task_run_states.
import { Elysia, t } from "elysia";
import { SORT_NAMES } from "../store/filters.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { RunHistoryStore } from "../store/run-history.ts";
import type { TaskRunsStore } from "../store/task-runs.ts";
import { HistoryBody } from "./flow-runs.ts";
import { IdParams, json, noContent, orNotFound, Uuid } from "./common.ts";
import { listRoutes } from "./list-routes.ts";
import { TaskRunCreateModel } from "../schemas/runs.ts";
import { checkedState, checkedTimestamp, SetStateBody, setStateHandler } from "./run-models.ts";

export function taskRunsApi(deps: {
  taskRuns: TaskRunsStore;
  history: RunHistoryStore;
  transitions: Transitions;
  maxLimit: number;
}) {
  const { taskRuns, history, transitions, maxLimit } = deps;
  const runs = new Elysia({ name: "api.task-runs", prefix: "/task_runs" })
    .post(
      "/",
      async ({ body }) => {
        const state = checkedState(body.state, "state");
        const cache_expiration = body.cache_expiration
          ? checkedTimestamp(body.cache_expiration, ["body", "cache_expiration"])
          : null;
        const { created, run } = await transitions.createTaskRun({ ...body, cache_expiration, state });
        return json(run, created ? 201 : 200);
      },
      { body: TaskRunCreateModel },
    )
    .get("/:id", async ({ params }) => orNotFound(await taskRuns.get(params.id), "Task run"), { params: IdParams })
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound((await taskRuns.update(params.id, { name: body.name })) || null, "Task run");
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
    .use(listRoutes("api.task-runs", taskRuns, SORT_NAMES.task_run, maxLimit))
    .post("/history", ({ body }) => history.taskRunHistory(body), { body: HistoryBody });

  const states = new Elysia({ name: "api.task-run-states", prefix: "/task_run_states" })
    .get("/", async ({ query }) => taskRuns.states(query.task_run_id), { query: t.Object({ task_run_id: Uuid }) })
    .get("/:id", async ({ params }) => orNotFound(await taskRuns.state(params.id), "Task run state"), {
      params: IdParams,
    });

  return new Elysia({ name: "api.task-runs-all" }).use(runs).use(states);
}
