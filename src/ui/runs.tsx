// Dashboard pages about runs: the dashboard, the runs list with bulk actions, a run's page with its
// logs fragment and actions, and a task run's page.
import { Elysia, t } from "elysia";
import { LEVELS, Logs } from "../../views/components/logs.tsx";
import { DashboardPage } from "../../views/pages/dashboard.tsx";
import { FlowRunPage } from "../../views/pages/flow-run.tsx";
import { MAX_DRAWN } from "../../views/components/run-graph.tsx";
import { FlowRunsList, FlowRunsPage, type FlowRunsPageProps } from "../../views/pages/flow-runs.tsx";
import { TaskRunPage } from "../../views/pages/task-run.tsx";
import { AppError } from "../core/errors.ts";
import {
  addSeconds,
  isTerminal,
  nowTimestamp,
  STATE_TYPES,
  type StateCreate,
  type StateType,
} from "../orchestration/index.ts";
import type { FlowRunJson } from "../store/run-shapes.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { resumeFormOf, resumeRoutes } from "./run-resume.tsx";
import { automationsFiredFor } from "./automations.tsx";
import type { RunFormProps } from "../../views/components/run-form.tsx";
import { withFlowNames as namedRuns } from "./run-names.ts";
import {
  decodeCursor,
  encodeCursor,
  pageNumber,
  parseRunsQuery,
  runsFilter,
  windowStart,
  WINDOW_OPTIONS,
  WINDOWS,
} from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const PAGE_SIZE = 50;
/** Deepest page served by offset (a page number without a cursor). */
const MAX_OFFSET_PAGE = 100;
const LOG_LIMIT = 1000;
/** A run page lists this many of its artifacts, newest first. */
const ARTIFACT_LIMIT = 200;

export function runPages(deps: UiDeps) {
  const { stores, csrf } = deps;

  const withFlowNames = (runs: FlowRunJson[]) => namedRuns(stores, runs);

  // The dashboard forces its transitions, as Prefect's UI does.
  const transition = (id: string, state: StateCreate) => deps.transitions.setFlowRunState(id, state, { force: true });
  const cancel = (id: string) => deps.transitions.cancelFlowRun(id, "Cancelled from the dashboard.");

  async function runsListProps(
    query: Record<string, string | undefined>,
    extra: Partial<FlowRunsPageProps> = {},
  ): Promise<FlowRunsPageProps> {
    const q = parseRunsQuery(query);
    const { body, since, states } = runsFilter(q);
    const after = decodeCursor(query.after, q.sort);
    const before = after ? null : decodeCursor(query.before, q.sort);
    let page = pageNumber(query.page);
    // Previous/next links carry the neighbouring row's sort key and id (keyset pagination), so any depth
    // costs the same; a page number alone (a typed URL) is served by offset, up to MAX_OFFSET_PAGE.
    let notice = extra.notice;
    if (!after && !before && page > MAX_OFFSET_PAGE) {
      notice = `Pages past ${MAX_OFFSET_PAGE} are reached with Next; showing page ${MAX_OFFSET_PAGE}.`;
      page = MAX_OFFSET_PAGE;
    }
    const r = await stores.runList.page({
      body,
      since,
      states,
      sort: q.sort,
      limit: PAGE_SIZE,
      after,
      before,
      offset: after || before ? 0 : (page - 1) * PAGE_SIZE,
    });
    // Read backwards (Previous): `more` says whether pages exist before this one; else after it.
    if (before && !r.more) page = 1;
    const hasNext = before ? r.runs.length > 0 : r.more;
    const hasPrev = before ? r.more : page > 1;
    const prev: Record<string, string> | null =
      !hasPrev || !r.first
        ? null
        : page - 1 <= 1
          ? { page: "1" }
          : { before: encodeCursor(r.first), page: String(page - 1) };
    const next = hasNext && r.last ? { after: encodeCursor(r.last), page: String(page + 1) } : null;
    const deployment = q.deployment ? await stores.deployments.get(q.deployment) : null;
    return {
      query: q,
      deploymentName: deployment?.name ?? null,
      runs: await withFlowNames(r.runs),
      page,
      hasNext,
      prev,
      next,
      stateTypes: [...STATE_TYPES],
      windows: WINDOW_OPTIONS,
      csrfToken: csrf.token,
      ...extra,
      notice,
    };
  }

  const runLogs = (id: string, level: number) =>
    stores.logs.filter(
      { logs: { flow_run_id: { any_: [id] }, ...(level ? { level: { ge_: level } } : {}) } },
      { limit: LOG_LIMIT + 1, offset: 0, sort: "TIMESTAMP_ASC" },
    );

  /** The graph's nodes as the view draws them; null past what it draws (the API still serves it). */
  async function graphView(id: string) {
    const g = await stores.graphs.graph(id, null).catch((e) => {
      if (e instanceof AppError && e.kind === "bad_request") return null;
      throw e;
    });
    if (!g) return null;
    const nodes = g.nodes.slice(0, MAX_DRAWN).map(([, n]) => ({
      id: n.id,
      kind: n.kind,
      label: n.label,
      state_type: n.state_type,
      start_time: n.start_time,
      parents: n.parents.map((e) => e.id),
      encapsulating: n.encapsulating.map((e) => e.id),
    }));
    return { nodes, total: g.nodes.length };
  }

  async function runPageProps(
    id: string,
    level: number,
    extra: { formError?: string; notice?: string; resume?: RunFormProps } = {},
  ) {
    const run = await stores.flowRuns.get(id);
    if (!run) throw new AppError("not_found", "Flow run not found");
    const [flow, states, tasks, subflowParents, logs, artifacts, graph, automations] = await Promise.all([
      stores.flows.get(run.flow_id),
      stores.flowRuns.states(id),
      stores.taskRuns.filter(
        { task_runs: { flow_run_id: { any_: [id] } } },
        { limit: 1000, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
      ),
      stores.flowRuns.filter(
        { flow_runs: { parent_flow_run_id: { any_: [id] } } },
        { limit: 200, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
      ),
      runLogs(id, level),
      stores.artifacts.filter(
        { artifacts: { flow_run_id: { any_: [id] } } },
        { limit: ARTIFACT_LIMIT, offset: 0, sort: "ID_DESC" },
      ),
      graphView(id),
      deps.notifications
        ? automationsFiredFor(deps.notifications, `prefect.flow-run.${id}`, run.created, run.end_time ?? null)
        : [],
    ]);
    return {
      run,
      flowName: flow?.name ?? "unknown flow",
      states,
      tasks,
      graph,
      resume: extra.resume ?? (await resumeFormOf(deps, run)),
      subflows: await withFlowNames(subflowParents),
      artifacts,
      automations,
      logs: logs.slice(0, LOG_LIMIT),
      logsTruncated: logs.length > LOG_LIMIT,
      level,
      live: !isTerminal(run.state_type),
      stateTypes: [...STATE_TYPES],
      csrfToken: csrf.token,
      ...extra,
    };
  }

  const levelOf = (raw: string | undefined) => {
    const n = Number(raw ?? 0);
    return LEVELS.some(([v]) => v === n) ? n : 0;
  };
  const checkId = (id: string) => {
    if (!isUuid(id)) throw new AppError("not_found", "Flow run not found");
    return id;
  };

  return (
    new Elysia({ name: "ui.runs" })
      .get("/", async ({ query }) => {
        const since = WINDOWS.some(([v]) => v === query.window) ? query.window! : "24h";
        const start = windowStart(since);
        const historyEnd = nowTimestamp();
        const historyStart = start ?? addSeconds(historyEnd, -30 * 86400);
        const [summary, failures, late, upcoming] = await Promise.all([
          stores.dashboard.summary({ start, historyStart, historyEnd }),
          stores.flowRuns.filter(
            {
              flow_runs: {
                state: { type: { any_: ["FAILED", "CRASHED"] } },
                ...(start ? { expected_start_time: { after_: start } } : {}),
              },
            },
            { limit: 5, offset: 0, sort: "EXPECTED_START_TIME_DESC" },
          ),
          stores.flowRuns.filter(
            { flow_runs: { state: { name: { any_: ["Late"] } } } },
            { limit: 5, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
          ),
          // The next runs due: Scheduled (not Late, not awaiting a retry), soonest first.
          stores.flowRuns.filter(
            { flow_runs: { state: { type: { any_: ["SCHEDULED"] }, name: { any_: ["Scheduled"] } } } },
            { limit: 5, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
          ),
        ]);
        return html(
          <DashboardPage
            window={since}
            windows={WINDOW_OPTIONS}
            counts={summary.counts}
            total={summary.total}
            history={summary.history}
            failures={await withFlowNames(failures)}
            late={await withFlowNames(late)}
            upcoming={await withFlowNames(upcoming)}
            taskCounts={summary.taskCounts}
            csrfToken={csrf.token}
          />,
        );
      })
      .get("/runs", async ({ query, request }) => {
        const props = await runsListProps(query, { notice: query.notice });
        // htmx asks for the list alone when a filter or the page changes.
        return html(request.headers.get("hx-request") ? <FlowRunsList {...props} /> : <FlowRunsPage {...props} />);
      })
      .post(
        "/runs/bulk",
        async ({ body, request }) => {
          csrf.check(request, body);
          const ids = (Array.isArray(body.ids) ? body.ids : body.ids ? [body.ids] : []).filter((id) => isUuid(id));
          if (!ids.length || (body.action !== "cancel" && body.action !== "delete")) {
            return html(
              <FlowRunsPage {...(await runsListProps({}, { error: "Select at least one run and an action." }))} />,
              422,
            );
          }
          let n = 0;
          for (const id of ids)
            n += body.action === "cancel" ? Number(await cancel(id)) : Number(await stores.flowRuns.delete(id));
          const verb = body.action === "cancel" ? "Cancelled" : "Deleted";
          return Response.redirect(
            `/runs?notice=${encodeURIComponent(`${verb} ${n} flow run${n === 1 ? "" : "s"}.`)}`,
            303,
          );
        },
        {
          body: t.Object(
            {
              csrf: t.Optional(t.String()),
              action: t.Optional(t.String()),
              ids: t.Optional(t.Union([t.String(), t.Array(t.String())])),
            },
            { additionalProperties: true },
          ),
        },
      )
      .get("/runs/:id", async ({ params, query }) =>
        html(
          <FlowRunPage {...(await runPageProps(checkId(params.id), levelOf(query.level), { notice: query.notice }))} />,
        ),
      )
      .use(
        resumeRoutes(deps, async (id, resume) =>
          html(<FlowRunPage {...(await runPageProps(id, 0, { resume }))} />, 422),
        ),
      )
      // The link the SDK prints ("View at …/runs/flow-run/<id>").
      .get("/runs/flow-run/:id", ({ params }) => Response.redirect(`/runs/${params.id}`, 302))
      // Polled every 2 s while the run is active: the run's state and its logs, nothing else.
      .get("/runs/:id/logs", async ({ params, query }) => {
        const id = checkId(params.id);
        const level = levelOf(query.level);
        const [run, logs] = await Promise.all([stores.flowRuns.get(id), runLogs(id, level)]);
        if (!run) throw new AppError("not_found", "Flow run not found");
        return html(
          <Logs
            runId={id}
            logs={logs.slice(0, LOG_LIMIT)}
            level={level}
            live={!isTerminal(run.state_type)}
            truncated={logs.length > LOG_LIMIT}
          />,
        );
      })
      .post(
        "/runs/:id/cancel",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const done = await cancel(checkId(params.id));
          return Response.redirect(
            `/runs/${params.id}?notice=${encodeURIComponent(done ? "Flow run cancelled." : "The run had already finished.")}`,
            303,
          );
        },
        { body: t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true })) },
      )
      .post(
        "/runs/:id/retry",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          await transition(checkId(params.id), {
            type: "SCHEDULED",
            name: "AwaitingRetry",
            message: "Retried from the dashboard.",
          });
          return Response.redirect(
            `/runs/${params.id}?notice=${encodeURIComponent("Flow run scheduled for a retry.")}`,
            303,
          );
        },
        { body: t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true })) },
      )
      .post(
        "/runs/:id/state",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const id = checkId(params.id);
          const type = String(body.type ?? "").toUpperCase();
          const message = String(body.message ?? "");
          if (!(STATE_TYPES as readonly string[]).includes(type)) {
            return html(
              <FlowRunPage {...(await runPageProps(id, 0, { formError: "Choose a state to move the run to." }))} />,
              422,
            );
          }
          if (message.length > 500)
            return html(
              <FlowRunPage
                {...(await runPageProps(id, 0, { formError: "The message must be at most 500 characters." }))}
              />,
              422,
            );
          await transition(id, { type: type as StateType, message: message || null });
          return Response.redirect(
            `/runs/${id}?notice=${encodeURIComponent(`State changed to ${type.charAt(0)}${type.slice(1).toLowerCase()}.`)}`,
            303,
          );
        },
        {
          body: t.Object(
            { csrf: t.Optional(t.String()), type: t.Optional(t.String()), message: t.Optional(t.String()) },
            { additionalProperties: true },
          ),
        },
      )
      .get("/task-runs/:id", async ({ params }) => {
        if (!isUuid(params.id)) throw new AppError("not_found", "Task run not found");
        const task = await stores.taskRuns.get(params.id);
        if (!task) throw new AppError("not_found", "Task run not found");
        const [states, flowRun, artifacts] = await Promise.all([
          stores.taskRuns.states(params.id),
          task.flow_run_id ? stores.flowRuns.get(task.flow_run_id) : null,
          stores.artifacts.filter(
            { artifacts: { task_run_id: { any_: [params.id] } } },
            { limit: ARTIFACT_LIMIT, offset: 0, sort: "ID_DESC" },
          ),
        ]);
        return html(
          <TaskRunPage
            task={task}
            flowRunName={flowRun?.name ?? null}
            states={states}
            artifacts={artifacts}
            csrfToken={csrf.token}
          />,
        );
      })
  );
}
