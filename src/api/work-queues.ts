// /api/work_queues: Prefect's top-level queue routes, by id (and the legacy lookup by name): create (in
// the pool given by id, or the agents' pool), read, filter, update, delete, status, and the legacy poll
// get_runs. Changes go through the work-pool entry point, which publishes the queue events.
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import { WorkQueueCreateModel, WorkQueueUpdateModel } from "../schemas/work-pools.ts";
import type { WorkQueuesStore } from "../store/work-queues.ts";
import { checkName, IdParams, json, noContent, objectBody, pageOf } from "./common.ts";
import { Page, pollWindow, QueuesFilterBody, queuePatchOf } from "./work-pools.ts";

const missing = () => new AppError("not_found", "work queue not found");
const GetRunsBody = t.Optional(
  t.Object(
    {
      limit: t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()])),
      scheduled_before: t.Optional(t.Union([t.String(), t.Null()])),
    },
    { additionalProperties: true },
  ),
);

export function workQueuesApi(deps: { queues: WorkQueuesStore; changes: WorkPoolTransitions; maxLimit: number }) {
  const { queues, changes, maxLimit } = deps;
  return new Elysia({ name: "api.work-queues", prefix: "/work_queues" })
    .onTransform({ as: "local" }, ({ body, request }) => {
      if (request.method === "POST") objectBody(body);
    })
    .post(
      "/",
      async ({ body }) => json(await changes.createQueueAnywhere({ ...body, name: checkName(body.name) }), 201),
      { body: WorkQueueCreateModel },
    )
    .post(
      "/filter",
      async ({ body }) => (await queues.list(null, objectBody(body), pageOf(objectBody(body), maxLimit)))!,
      { body: QueuesFilterBody },
    )
    .get("/name/:name", async ({ params }) => (await queues.getLegacyByName(params.name)) ?? Promise.reject(missing()))
    .get("/:id", async ({ params }) => (await queues.get(params.id)) ?? Promise.reject(missing()), { params: IdParams })
    .patch(
      "/:id",
      async ({ params, body }) => {
        if (!(await changes.updateQueue(params.id, queuePatchOf(body))))
          throw new AppError("not_found", `Work Queue ${params.id} not found`);
        return noContent();
      },
      { params: IdParams, body: WorkQueueUpdateModel },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await changes.deleteQueue(params.id))) throw missing();
        return noContent();
      },
      { params: IdParams },
    )
    .post(
      "/:id/concurrency_status",
      async ({ params, body }) => {
        const b = objectBody(body);
        const status = await queues.concurrencyStatus(params.id, b.page ?? 1, Math.min(b.limit ?? maxLimit, maxLimit));
        return status ?? Promise.reject(new AppError("not_found", "Work queue not found."));
      },
      {
        params: IdParams,
        body: t.Optional(
          t.Object(
            { page: t.Optional(Page), limit: t.Optional(t.Integer({ minimum: 0 })) },
            { additionalProperties: true },
          ),
        ),
      },
    )
    .get("/:id/status", async ({ params }) => (await queues.status(params.id)) ?? Promise.reject(missing()), {
      params: IdParams,
    })
    .post(
      "/:id/get_runs",
      async ({ params, body, headers }) => {
        const b = objectBody(body);
        const fromUi = String(headers["x-prefect-ui"] ?? "").toLowerCase() === "true";
        const runs = await changes.queueRuns(params.id, pollWindow(b, Math.min(b.limit ?? maxLimit, maxLimit)), fromUi);
        return runs ?? Promise.reject(missing());
      },
      { params: IdParams, body: GetRunsBody },
    );
}
