// /api/flow_runs: create, read, update, delete, filter, count, paginate, history, set_state, labels, and
// /api/flow_run_states. Every write of a state goes through the transition entry point, which publishes
// prefect.flow-run.<State> after the commit.
import { Elysia, t } from "elysia";
import type { Transitions } from "../orchestration/transitions.ts";
import { SORT_NAMES } from "../store/filters.ts";
import type { FlowRunsStore } from "../store/flow-runs.ts";
import type { FlowRunGraphStore } from "../store/flow-run-graph.ts";
import type { LogsStore } from "../store/logs.ts";
import type { RunHistoryStore } from "../store/run-history.ts";
import type { StateCreate } from "../orchestration/states.ts";
import { IdParams, json, noContent, orNotFound, textResponse, Uuid } from "./common.ts";
import { RunFilters } from "./filter-models.ts";
import { listRoutes } from "./list-routes.ts";
import { FlowRunCreateModel, FlowRunUpdateModel, Labels } from "../schemas/runs.ts";
import {
  checkedState,
  checkedTimestamp,
  clientVersionOf,
  orchestrationResponse,
  SetStateBody,
  setStateHandler,
} from "./run-models.ts";
import { logsCsv } from "./logs-csv.ts";
import { Obj } from "../schemas/common.ts";

export function flowRunsApi(deps: {
  flowRuns: FlowRunsStore;
  history: RunHistoryStore;
  transitions: Transitions;
  logs: LogsStore;
  graphs: FlowRunGraphStore;
  maxLimit: number;
}) {
  const { flowRuns, history, transitions, logs, graphs, maxLimit } = deps;

  const runs = new Elysia({ name: "api.flow-runs", prefix: "/flow_runs" })
    .post(
      "/",
      async ({ body }) => {
        // A flow run's name is free text in Prefect (only flow names exclude / % & > <).
        const { created, run } = await transitions.createFlowRun({
          ...body,
          state: checkedState(body.state, "state"),
          // Only runs made from a deployment carry these; a request does not set them.
          deployment_version: undefined,
          work_queue_id: undefined,
          from_deployment: undefined,
        });
        return json(run, created ? 201 : 200);
      },
      { body: FlowRunCreateModel },
    )
    .get("/:id", async ({ params }) => orNotFound(await flowRuns.get(params.id), "Flow run"), { params: IdParams })
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound((await flowRuns.update(params.id, { ...body, name: body.name ?? undefined })) || null, "Flow run");
        return noContent();
      },
      { params: IdParams, body: FlowRunUpdateModel },
    )
    .patch(
      "/:id/labels",
      async ({ params, body }) => {
        orNotFound((await flowRuns.updateLabels(params.id, body ?? {})) || null, "Flow run");
        return noContent();
      },
      { params: IdParams, body: Labels },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        orNotFound((await flowRuns.delete(params.id)) || null, "Flow run");
        return noContent();
      },
      { params: IdParams },
    )
    .post("/:id/set_state", setStateHandler("Flow run", transitions.setFlowRunState), {
      params: IdParams,
      body: SetStateBody,
    })
    .post(
      "/:id/resume",
      async ({ params, body, request }) => {
        const r = orNotFound(
          await transitions.resumeFlowRun(params.id, {
            clientVersion: clientVersionOf(request.headers),
            runInput: body?.run_input ?? null,
          }),
          "Flow run",
        );
        if (r.kind === "transition") return orchestrationResponse(r.outcome);
        const details = { type: r.kind === "abort" ? "abort_details" : "reject_details", reason: r.reason };
        const status = r.kind === "abort" ? "ABORT" : "REJECT";
        return json({ state: r.kind === "reject" ? r.state : null, status, details }, 200);
      },
      {
        params: IdParams,
        body: t.Optional(t.Object({ run_input: t.Optional(t.Union([Obj, t.Null()])) }, { additionalProperties: true })),
      },
    )
    .get("/:id/graph", async ({ params }) => orNotFound(await graphs.dependencies(params.id), "Flow run"), {
      params: IdParams,
    })
    .get(
      "/:id/graph-v2",
      async ({ params, query }) => {
        const since = query.since ? checkedTimestamp(query.since, ["query", "since"]) : null;
        return orNotFound(await graphs.graph(params.id, since), "Flow run");
      },
      { params: IdParams, query: t.Object({ since: t.Optional(t.String()) }) },
    )
    .get(
      "/:id/logs/download",
      async ({ params }) => {
        const run = orNotFound(await flowRuns.get(params.id), "Flow run");
        const filename = encodeURIComponent(`${run.name}-logs.csv`);
        return new Response(logsCsv(logs, params.id), {
          headers: {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": `attachment; filename=${filename}`,
          },
        });
      },
      { params: IdParams, detail: textResponse("text/csv", "The run's logs as CSV, oldest first") },
    )
    .post(
      "/bulk_set_state",
      async ({ body, request }) => {
        const proposed = checkedState(body.state as StateCreate, "state")!;
        const limit = body.limit ?? BULK_SET_STATE_LIMIT;
        const ids = (
          await flowRuns.filter({ flow_runs: body.flow_runs ?? undefined }, { limit, offset: 0, sort: null })
        ).map((r) => r.id as string);
        const opts = { force: body.force ?? false, clientVersion: clientVersionOf(request.headers) };
        return { results: await transitions.bulkSetFlowRunState(ids, proposed, opts) };
      },
      {
        body: t.Object(
          {
            flow_runs: RunFilters.flow_runs,
            state: SetStateBody.properties.state,
            force: t.Optional(t.Boolean()),
            limit: t.Optional(t.Integer({ minimum: 1, maximum: BULK_SET_STATE_LIMIT })),
          },
          { additionalProperties: true },
        ),
      },
    )
    .post("/lateness", ({ body }) => history.lateness(body ?? {}), { body: t.Optional(LatenessBody) })
    .use(listRoutes("api.flow-runs", flowRuns, SORT_NAMES.flow_run, maxLimit))
    .post("/history", ({ body }) => history.flowRunHistory(body), { body: HistoryBody });

  const states = new Elysia({ name: "api.flow-run-states", prefix: "/flow_run_states" })
    .get("/", async ({ query }) => flowRuns.states(query.flow_run_id), { query: t.Object({ flow_run_id: Uuid }) })
    .get("/:id", async ({ params }) => orNotFound(await flowRuns.state(params.id), "Flow run state"), {
      params: IdParams,
    });

  return new Elysia({ name: "api.flow-runs-all" }).use(runs).use(states);
}

export const HistoryBody = t.Object(
  {
    history_start: t.String(),
    history_end: t.String(),
    history_interval: t.Optional(t.Union([t.Number({ exclusiveMinimum: 0 }), t.String()])),
    history_interval_seconds: t.Optional(t.Number({ exclusiveMinimum: 0 })),
    ...RunFilters,
  },
  { additionalProperties: true },
);

/** Prefect's BULK_OPERATION_LIMIT for POST /flow_runs/bulk_set_state. */
export const BULK_SET_STATE_LIMIT = 50;

const LatenessBody = t.Object({ ...RunFilters }, { additionalProperties: true });
