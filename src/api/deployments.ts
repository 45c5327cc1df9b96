// /api/deployments: upsert, read (by id and by flow/name), filter, count, paginate, update, delete,
// bulk delete, pause/resume, runs from a deployment (one or in bulk), the runner's polling route, the
// schedules under /deployments/{id}/schedules, and the UI reads /ui/flows/count-deployments and
// /ui/flows/next-runs. Every change goes through the deployment entry point, which publishes the
// prefect.deployment.* events after the commit.
import { Elysia, t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import type { DeploymentTransitions } from "../orchestration/deployments.ts";
import {
  DeploymentCreateModel,
  DeploymentFlowRunCreateModel,
  DeploymentScheduleCreateModel,
  DeploymentScheduleUpdateModel,
  DeploymentUpdateModel,
} from "../schemas/deployments.ts";
import type { DeploymentsStore } from "../store/deployments.ts";
import { SORT_NAMES } from "../store/filters.ts";
import type { FlowRunsStore } from "../store/flow-runs.ts";
import type { SchedulerSettings, SchedulerStore } from "../store/scheduler.ts";
import { checkName, IdParams, json, noContent, objectBody, orNotFound, Uuid } from "./common.ts";
import { listRoutes } from "./list-routes.ts";
import { checkedState, checkedTimestamp } from "./run-models.ts";
import { RunFilters } from "./filter-models.ts";
import { MAX_INTERVAL_SECONDS, nowTimestamp } from "../core/time.ts";

/** Prefect's limits for the bulk routes. */
const BULK_DELETE_LIMIT = 50;
const BULK_CREATE_LIMIT = 100;

const ScheduleParams = t.Object({ id: Uuid, schedule_id: Uuid });

/** Schedules compute dates between 1700 and 2199 (src/schedules/zone.ts); a window outside is a 422. */
function scheduleBound(value: string, field: string): string {
  const ts = checkedTimestamp(value, ["body", field]);
  if (ts < "1700-01-01" || ts >= "2200-01-01")
    throw invalid(`${field} must be between the years 1700 and 2199`, [
      {
        loc: ["body", field],
        msg: "Input should be between the years 1700 and 2199",
        type: "value_error",
        input: value,
      },
    ]);
  return ts;
}
const FlowIdsBody = t.Object({ flow_ids: t.Array(Uuid, { maxItems: 200 }) }, { additionalProperties: true });

export function deploymentsApi(deps: {
  deployments: DeploymentsStore;
  changes: DeploymentTransitions;
  flowRuns: FlowRunsStore;
  scheduler: SchedulerStore;
  schedulerSettings: () => SchedulerSettings;
  maxLimit: number;
}) {
  const { deployments, changes, flowRuns, scheduler, maxLimit } = deps;

  const runFromDeployment = async (id: string, body: typeof DeploymentFlowRunCreateModel.static) => {
    const created = await changes.createFlowRun(id, { ...body, state: checkedState(body.state, "state") });
    return orNotFound(created, "Deployment");
  };

  const routes = new Elysia({ name: "api.deployments", prefix: "/deployments" })
    .post(
      "/",
      async ({ body }) => {
        const { deployment, created } = await changes.create({ ...body, name: checkName(body.name) });
        return json(deployment, created ? 201 : 200);
      },
      { body: DeploymentCreateModel },
    )
    .get("/:id", async ({ params }) => orNotFound(await deployments.get(params.id), "Deployment"), {
      params: IdParams,
    })
    .get("/name/:flow/:name", async ({ params }) =>
      orNotFound(await deployments.getByName(params.flow, params.name), "Deployment"),
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound((await changes.update(params.id, body)) || null, "Deployment");
        return noContent();
      },
      { params: IdParams, body: DeploymentUpdateModel },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        orNotFound((await changes.delete(params.id)) || null, "Deployment");
        return noContent();
      },
      { params: IdParams },
    )
    .post(
      "/bulk_delete",
      async ({ body }) => {
        const b = objectBody(body);
        return { deleted: await changes.bulkDelete({ deployments: b.deployments }, b.limit ?? BULK_DELETE_LIMIT) };
      },
      {
        body: t.Optional(
          t.Object(
            {
              deployments: RunFilters.deployments,
              limit: t.Optional(t.Integer({ minimum: 1, maximum: BULK_DELETE_LIMIT })),
            },
            { additionalProperties: true },
          ),
        ),
      },
    )
    .post(
      "/get_scheduled_flow_runs",
      async ({ body }) => {
        const before = body.scheduled_before
          ? checkedTimestamp(body.scheduled_before, ["body", "scheduled_before"])
          : null;
        const runs = await flowRuns.scheduledOf(
          body.deployment_ids,
          before,
          Math.min(body.limit ?? maxLimit, maxLimit),
        );
        await changes.markReady(body.deployment_ids);
        return runs;
      },
      {
        body: t.Object(
          {
            deployment_ids: t.Array(Uuid, { maxItems: 5000 }),
            scheduled_before: t.Optional(t.Union([t.String(), t.Null()])),
            limit: t.Optional(t.Integer({ minimum: 0 })),
          },
          { additionalProperties: true },
        ),
      },
    )
    .post(
      "/:id/schedule",
      async ({ params, body }) => {
        const deployment = orNotFound(await deployments.get(params.id), "Deployment");
        const s = deps.schedulerSettings();
        const b = objectBody(body);
        await scheduler.scheduleDeployment(deployment.id, s, {
          start: b.start_time ? scheduleBound(b.start_time, "start_time") : nowTimestamp(),
          end: b.end_time ? scheduleBound(b.end_time, "end_time") : null,
          minRuns: b.min_runs ?? s.minRuns,
          maxRuns: b.max_runs ?? s.maxRuns,
          minSeconds: b.min_time ?? s.minScheduledSeconds,
        });
        return null;
      },
      {
        params: IdParams,
        body: t.Optional(
          t.Object(
            {
              start_time: t.Optional(t.Union([t.String(), t.Null()])),
              end_time: t.Optional(t.Union([t.String(), t.Null()])),
              min_time: t.Optional(t.Union([t.Number({ minimum: 0, maximum: MAX_INTERVAL_SECONDS }), t.Null()])),
              min_runs: t.Optional(t.Union([t.Integer({ minimum: 0, maximum: 10_000 }), t.Null()])),
              max_runs: t.Optional(t.Union([t.Integer({ minimum: 0, maximum: 10_000 }), t.Null()])),
            },
            { additionalProperties: true },
          ),
        ),
      },
    )
    .post(
      "/:id/pause_deployment",
      async ({ params }) => {
        orNotFound((await changes.setPaused(params.id, true)) || null, "Deployment");
        return null;
      },
      { params: IdParams },
    )
    .post(
      "/:id/resume_deployment",
      async ({ params }) => {
        orNotFound((await changes.setPaused(params.id, false)) || null, "Deployment");
        return null;
      },
      { params: IdParams },
    )
    .post(
      "/:id/create_flow_run",
      async ({ params, body }) => {
        const { created, run } = await runFromDeployment(params.id, body ?? {});
        return json(run, created ? 201 : 200);
      },
      { params: IdParams, body: t.Optional(DeploymentFlowRunCreateModel) },
    )
    .post(
      "/:id/create_flow_run/bulk",
      async ({ params, body }) => {
        if (body.length > BULK_CREATE_LIMIT)
          throw new AppError("bad_request", `Cannot create more than ${BULK_CREATE_LIMIT} flow runs at once.`);
        orNotFound(await deployments.get(params.id), "Deployment");
        const results = [];
        for (const one of body) {
          try {
            const { run } = await runFromDeployment(params.id, one);
            results.push({ flow_run_id: run.id, status: "CREATED", error: null });
          } catch (e) {
            // As Prefect's: every request gets its result, even when one meets a database error.
            results.push({ flow_run_id: null, status: "FAILED", error: e instanceof Error ? e.message : String(e) });
          }
        }
        return { results };
      },
      { params: IdParams, body: t.Array(DeploymentFlowRunCreateModel) },
    )
    // Work queues arrive with work pools; until then no queue can pick a deployment up.
    .get(
      "/:id/work_queue_check",
      async ({ params }) => {
        orNotFound(await deployments.get(params.id), "Deployment");
        return [];
      },
      { params: IdParams },
    )
    .get("/:id/schedules", async ({ params }) => orNotFound(await deployments.schedules(params.id), "Deployment"), {
      params: IdParams,
    })
    .post(
      "/:id/schedules",
      async ({ params, body }) => json(orNotFound(await changes.createSchedules(params.id, body), "Deployment"), 201),
      { params: IdParams, body: t.Array(DeploymentScheduleCreateModel, { maxItems: 1000 }) },
    )
    .patch(
      "/:id/schedules/:schedule_id",
      async ({ params, body }) => {
        // Prefect names what is missing: the deployment first, then its schedule.
        orNotFound(await deployments.get(params.id), "Deployment");
        orNotFound((await changes.updateSchedule(params.id, params.schedule_id, body)) || null, "Schedule");
        return noContent();
      },
      { params: ScheduleParams, body: DeploymentScheduleUpdateModel },
    )
    .delete(
      "/:id/schedules/:schedule_id",
      async ({ params }) => {
        orNotFound(await deployments.get(params.id), "Deployment");
        orNotFound((await changes.deleteSchedule(params.id, params.schedule_id)) || null, "Schedule");
        return noContent();
      },
      { params: ScheduleParams },
    )
    // bulk_delete is its own route above (Prefect's limit of 50, and the events of each deletion).
    .use(
      listRoutes(
        "api.deployments",
        { filter: deployments.filter, count: deployments.count },
        SORT_NAMES.deployment,
        maxLimit,
      ),
    );

  const ui = new Elysia({ name: "api.ui.flows", prefix: "/ui/flows" })
    .post("/count-deployments", ({ body }) => deployments.countByFlow(body.flow_ids), { body: FlowIdsBody })
    .post("/next-runs", ({ body }) => deployments.nextRunByFlow(body.flow_ids), { body: FlowIdsBody });

  return new Elysia({ name: "api.deployments.all" }).use(routes).use(ui);
}
