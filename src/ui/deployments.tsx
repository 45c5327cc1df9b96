// Dashboard pages about deployments: the list, a deployment's page with its schedules and runs,
// pause/resume of the deployment and of each schedule, and the Run form. Reads go through the stores,
// every change through the deployment transitions (which publish the same events as the API's).
import { Elysia, t } from "elysia";
import { paramFields, RunForm, type RunFormProps } from "../../views/components/run-form.tsx";
import type { ScheduleRow } from "../../views/components/schedule-list.tsx";
import { DeploymentPage } from "../../views/pages/deployment.tsx";
import { DeploymentsPage, type DeploymentRow } from "../../views/pages/deployments.tsx";
import { AppError } from "../core/errors.ts";
import { nowTimestamp } from "../orchestration/index.ts";
import { describeSchedule, parseSchedule, scheduleDates } from "../schedules/index.ts";
import type { DeploymentJson } from "../store/deployments.ts";
import type { FlowRunJson } from "../store/run-shapes.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { issuesByField, parseRunForm } from "./run-params.ts";
import { isUuid } from "../core/uuid.ts";

const PAGE_SIZE = 50;
const LAST_RUNS = 10;
const NEXT_DATES = 3;
const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));

/** Each schedule in words with its next dates (none while it or the deployment is paused). */
export function scheduleRows(d: DeploymentJson, now: string): ScheduleRow[] {
  return d.schedules.map((s) => {
    try {
      const schedule = parseSchedule(s.schedule, ["schedule"], now);
      const next = s.active && !d.paused ? scheduleDates(schedule, { start: now, n: NEXT_DATES }) : [];
      return { id: s.id, description: describeSchedule(schedule), active: s.active, next };
    } catch {
      // Written by an older or newer version: shown, not computed.
      return { id: s.id, description: "A schedule this version cannot read", active: s.active, next: [] };
    }
  });
}

type Stores = UiDeps["stores"];

const ofDeployment = (id: string, state: Record<string, unknown>) => ({
  flow_runs: { deployment_id: { any_: [id] }, state },
});
const upcomingOf = (stores: Stores, id: string, limit: number) =>
  stores.flowRuns.filter(ofDeployment(id, { type: { any_: ["SCHEDULED"] } }), {
    limit,
    offset: 0,
    sort: "EXPECTED_START_TIME_ASC",
  });
/** The next run due: Scheduled and not yet Late. */
const nextOf = (stores: Stores, id: string) =>
  stores.flowRuns.filter(ofDeployment(id, { type: { any_: ["SCHEDULED"] }, name: { not_any_: ["Late"] } }), {
    limit: 1,
    offset: 0,
    sort: "EXPECTED_START_TIME_ASC",
  });
const recentOf = (stores: Stores, id: string, limit: number) =>
  stores.flowRuns.filter(ofDeployment(id, { type: { not_any_: ["SCHEDULED"] } }), {
    limit,
    offset: 0,
    sort: "START_TIME_DESC",
  });

/** Rows for a deployments table: names, schedules in words, the next run and the last runs of each. */
export async function deploymentRows(stores: Stores, list: DeploymentJson[]): Promise<DeploymentRow[]> {
  const ids = [...new Set(list.map((d) => d.flow_id))];
  const flows = ids.length
    ? await stores.flows.filter({ flows: { id: { any_: ids } } }, { limit: ids.length, offset: 0 })
    : [];
  const names = new Map(flows.map((f) => [f.id, f.name]));
  const now = nowTimestamp();
  return Promise.all(
    list.map(async (d) => {
      const [[next], last] = await Promise.all([nextOf(stores, d.id), recentOf(stores, d.id, LAST_RUNS)]);
      const schedules = scheduleRows(d, now);
      const computed = schedules.flatMap((s) => s.next.slice(0, 1)).sort()[0] ?? null;
      return {
        id: d.id,
        name: d.name,
        flow_id: d.flow_id,
        flowName: names.get(d.flow_id) ?? null,
        schedules: schedules.map((s) => (s.active ? s.description : `${s.description} (paused)`)),
        status: d.status,
        paused: d.paused,
        nextRun: next?.expected_start_time ?? computed,
        lastRuns: last.map((r) => ({ id: r.id, name: r.name, state_type: r.state_type, state_name: r.state_name })),
        tags: d.tags,
      };
    }),
  );
}

export function deploymentPages(deps: UiDeps) {
  const { stores, csrf } = deps;

  async function deployment(id: string): Promise<DeploymentJson> {
    const d = isUuid(id) ? await stores.deployments.get(id) : null;
    if (!d) throw new AppError("not_found", "Deployment not found");
    return d;
  }

  function runForm(d: DeploymentJson, extra: Partial<RunFormProps> = {}): RunFormProps {
    return {
      deploymentId: d.id,
      fields: paramFields(d.parameter_openapi_schema, d.parameters),
      csrfToken: csrf.token,
      ...extra,
    };
  }

  /** The deployment's concurrency limit, its slots in use and the runs waiting for one; null without a limit. */
  async function concurrencyOf(d: DeploymentJson) {
    if (d.concurrency_limit === null && !d.global_concurrency_limit_id) return null;
    const [limit, queued] = await Promise.all([
      stores.concurrencyLimitsV2.get(d.global_concurrency_limit_id ?? `deployment:${d.id}`),
      stores.flowRuns.filter(
        {
          flow_runs: {
            deployment_id: { any_: [d.id] },
            state: { type: { any_: ["SCHEDULED"] }, name: { any_: ["AwaitingConcurrencySlot"] } },
          },
        },
        { limit: 10, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
      ),
    ]);
    const options = d.concurrency_options as { collision_strategy?: string } | null;
    return {
      limit: limit?.limit ?? d.concurrency_limit ?? 0,
      activeSlots: limit?.active_slots ?? 0,
      strategy: options?.collision_strategy === "CANCEL_NEW" ? "CANCEL_NEW" : "ENQUEUE",
      queued,
    };
  }

  async function pageProps(d: DeploymentJson, extra: { notice?: string; runForm?: RunFormProps } = {}) {
    const [flow, upcoming, recent, runCount, concurrency] = await Promise.all([
      stores.flows.get(d.flow_id),
      upcomingOf(stores, d.id, 10),
      recentOf(stores, d.id, 10),
      stores.flowRuns.count({ flow_runs: { deployment_id: { any_: [d.id] } } }),
      concurrencyOf(d),
    ]);
    const flowName = flow?.name ?? "unknown flow";
    const named = (runs: FlowRunJson[]) => runs.map((r) => ({ ...r, flowName, deploymentName: d.name }));
    return {
      deployment: d,
      flowName,
      schedules: scheduleRows(d, nowTimestamp()),
      upcoming: named(upcoming),
      recent: named(recent),
      runCount,
      concurrency: concurrency ? { ...concurrency, queued: named(concurrency.queued) } : null,
      csrfToken: csrf.token,
      ...extra,
    };
  }

  const back = (id: string, notice: string) =>
    Response.redirect(`/deployments/${id}?notice=${encodeURIComponent(notice)}`, 303);

  const pause =
    (paused: boolean) =>
    async ({ params, body, request }: ActionContext) => {
      csrf.check(request, body);
      const d = await deployment(params.id);
      await deps.deployments.setPaused(d.id, paused);
      return back(d.id, paused ? "Deployment paused." : "Deployment resumed.");
    };

  const scheduleActive =
    (active: boolean) =>
    async ({ params, body, request }: ActionContext & { params: { schedule: string } }) => {
      csrf.check(request, body);
      const d = await deployment(params.id);
      const done =
        isUuid(params.schedule) && (await deps.deployments.updateSchedule(d.id, params.schedule, { active }));
      if (!done) throw new AppError("not_found", "Schedule not found");
      return back(d.id, active ? "Schedule resumed." : "Schedule paused.");
    };

  return (
    new Elysia({ name: "ui.deployments" })
      .get("/deployments", async ({ query }) => {
        const q = (query.q ?? "").trim();
        const page = pageNumber(query.page);
        const list = await stores.deployments.filter(
          q ? { deployments: { flow_or_deployment_name: { like_: q } } } : {},
          {
            limit: PAGE_SIZE + 1,
            offset: (page - 1) * PAGE_SIZE,
            sort: "NAME_ASC",
          },
        );
        return html(
          <DeploymentsPage
            deployments={await deploymentRows(stores, list.slice(0, PAGE_SIZE))}
            q={q}
            page={page}
            hasNext={list.length > PAGE_SIZE}
            csrfToken={csrf.token}
          />,
        );
      })
      .get("/deployments/:id", async ({ params, query }) =>
        html(<DeploymentPage {...(await pageProps(await deployment(params.id), { notice: query.notice }))} />),
      )
      // The Run button: the form alone for htmx, else the deployment's page with the form open.
      .get("/deployments/:id/run", async ({ params, request }) => {
        const d = await deployment(params.id);
        if (request.headers.get("hx-request")) return html(<RunForm {...runForm(d)} />);
        return html(<DeploymentPage {...(await pageProps(d, { runForm: runForm(d) }))} />);
      })
      .post(
        "/deployments/:id/run",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const d = await deployment(params.id);
          const fields = paramFields(d.parameter_openapi_schema, d.parameters);
          const parsed = parseRunForm(fields, body ?? {});
          let errors = parsed.errors;
          let runId: string | null = null;
          if (!Object.keys(errors).length) {
            try {
              runId = (await deps.deployments.createFlowRun(d.id, { parameters: parsed.parameters }))?.run.id ?? null;
              if (!runId) throw new AppError("not_found", "Deployment not found");
            } catch (e) {
              if (!(e instanceof AppError) || (e.kind !== "invalid" && e.kind !== "conflict")) throw e;
              errors = issuesByField(e, fields);
            }
          }
          const htmx = Boolean(request.headers.get("hx-request"));
          if (runId) {
            const to = `/runs/${runId}?notice=${encodeURIComponent("Flow run created from the deployment.")}`;
            return htmx
              ? new Response(null, { status: 200, headers: { "hx-redirect": to } })
              : Response.redirect(to, 303);
          }
          const form = runForm(d, { values: parsed.values, errors });
          return htmx
            ? html(<RunForm {...form} />, 422)
            : html(<DeploymentPage {...(await pageProps(d, { runForm: form }))} />, 422);
        },
        { body: Form },
      )
      .post("/deployments/:id/pause", pause(true), { body: Form })
      .post("/deployments/:id/resume", pause(false), { body: Form })
      .post("/deployments/:id/schedules/:schedule/pause", scheduleActive(false), { body: Form })
      .post("/deployments/:id/schedules/:schedule/resume", scheduleActive(true), { body: Form })
  );
}

interface ActionContext {
  params: { id: string };
  body: unknown;
  request: Request;
}
