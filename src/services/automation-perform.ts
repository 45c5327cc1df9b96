// What each triggered action does (Prefect's server/events/actions.py act()): notifications through
// their block's channel (HTTP per notification-requests.ts, or SMTP email through nodemailer, which
// Prefect's open-source server lacks), webhooks, and changes to deployments, flow runs, work pools,
// work queues and automations through the same transition entry points the API uses. Templates are
// rendered with Prefect's context (automation, event, labels, flow_run, flow, deployment, …).
import { renderParameters } from "../events/parameter-templates.ts";
import nodemailer from "nodemailer";
import { addTemplateFilter, renderTemplate } from "../core/templates.ts";
import type { DeploymentTransitions } from "../orchestration/deployments.ts";
import type { AutomationChanges } from "../orchestration/automations.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import {
  type BaseUrls,
  DEFAULT_BASE_URLS,
  notificationRequests,
  type OutgoingRequest,
} from "../events/notification-requests.ts";
import type { QueuedAction } from "../store/automation-actions.ts";
import type { AutomationJson } from "../store/automations.ts";
import type { BlockDocumentsStore } from "../store/block-documents.ts";
import type { DeploymentsStore } from "../store/deployments.ts";
import type { FlowRunsStore } from "../store/flow-runs.ts";
import type { FlowsStore } from "../store/flows.ts";
import type { WorkPoolsStore } from "../store/work-pools.ts";
import { privateUrlRefusal } from "./private-urls.ts";

export type ActionOutcome =
  | { ok: true; responseCode: number | null; details?: Record<string, unknown> }
  | { ok: false; reason: string; responseCode: number | null; retry?: boolean; details?: Record<string, unknown> };

export interface ActionDeps {
  automation: AutomationJson;
  blocks: BlockDocumentsStore;
  flowRuns: FlowRunsStore;
  flows: FlowsStore;
  deploymentsStore: DeploymentsStore;
  pools: WorkPoolsStore;
  transitions: Transitions;
  deployments: DeploymentTransitions;
  workPools: WorkPoolTransitions;
  automationChanges: () => AutomationChanges;
  /** The dashboard's base URL, for the ui_url filter. */
  uiUrl: string;
  baseUrls?: BaseUrls;
  timeoutMs?: number;
}

const fail = (reason: string, retry = false, responseCode: number | null = null): ActionOutcome => ({
  ok: false,
  reason,
  retry,
  responseCode,
});

/** The id of the first resource of `kind` the event names (its resource, then its related ones). */
function inferred(a: QueuedAction, kind: string): string | null {
  const prefix = `prefect.${kind}.`;
  const fromLabels = a.triggering_labels["prefect.resource.id"];
  if (fromLabels?.startsWith(prefix)) return fromLabels.slice(prefix.length);
  const e = a.triggering_event;
  if (!e) return null;
  const all = [e.resource, ...e.related];
  const hit = all.find((r) => r["prefect.resource.id"]?.startsWith(prefix));
  return hit ? hit["prefect.resource.id"]!.slice(prefix.length) : null;
}

const target = (a: QueuedAction, kind: string, key: string): string | null =>
  a.action.source === "inferred" ? inferred(a, kind) : ((a.action[key] as string | null) ?? null);

async function context(a: QueuedAction, deps: ActionDeps): Promise<Record<string, unknown>> {
  const runId = inferred(a, "flow-run");
  const flowRun = runId ? await deps.flowRuns.get(runId) : null;
  const flowId = flowRun?.flow_id ?? inferred(a, "flow");
  const deploymentId = flowRun?.deployment_id ?? inferred(a, "deployment");
  return {
    automation: deps.automation,
    event: a.triggering_event,
    labels: a.triggering_labels,
    firing: null,
    firings: [],
    events: a.triggering_event ? [a.triggering_event] : [],
    flow_run: flowRun,
    flow: flowId ? await deps.flows.get(flowId) : null,
    deployment: deploymentId ? await deps.deploymentsStore.get(deploymentId) : null,
  };
}

function render(source: string, ctx: Record<string, unknown>): string {
  const r = renderTemplate(source, ctx);
  if ("error" in r) throw new Error(`Template rendering failed: ${r.error}`);
  return r.text;
}

async function send(reqs: OutgoingRequest[], timeoutMs: number): Promise<ActionOutcome> {
  let code: number | null = null;
  for (const r of reqs) {
    const refused = r.allowPrivate === false ? await privateUrlRefusal(r.url) : null;
    if (refused) return fail(refused);
    let res: Response;
    try {
      res = await fetch(r.url, {
        method: r.method,
        headers: r.headers,
        body: r.method === "GET" ? undefined : (r.body ?? undefined),
        signal: AbortSignal.timeout(r.timeoutMs ?? timeoutMs),
        redirect: "manual",
      });
    } catch (e) {
      return fail(`Request to ${new URL(r.url).origin} failed: ${e instanceof Error ? e.message : String(e)}`, true);
    }
    code = res.status;
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 300) return fail(`${r.method} ${new URL(r.url).origin} answered ${res.status}`, true, res.status);
  }
  return { ok: true, responseCode: code };
}

export async function sendEmail(data: Record<string, unknown>, subject: string, body: string, timeoutMs: number) {
  const type = String(data.smtp_type ?? "STARTTLS").toUpperCase();
  const port = Number(data.smtp_port ?? (type === "SSL" ? 465 : type === "STARTTLS" ? 587 : 25));
  const transport = nodemailer.createTransport({
    host: String(data.smtp_server ?? "localhost"),
    port,
    secure: type === "SSL",
    requireTLS: type === "STARTTLS",
    ignoreTLS: type === "INSECURE",
    tls: { rejectUnauthorized: data.verify !== false },
    auth: data.username ? { user: String(data.username), pass: String(data.password ?? "") } : undefined,
    connectionTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const to = Array.isArray(data.email_to) ? data.email_to.map(String) : [String(data.email_to ?? "")];
  try {
    const info = await transport.sendMail({
      from: String(data.email_from ?? data.username ?? "prefect@localhost"),
      to: to.join(", "),
      subject,
      text: body,
    });
    return { ok: true, responseCode: null, details: { message_id: info.messageId } } as ActionOutcome;
  } catch (e) {
    return fail(`SMTP delivery failed: ${e instanceof Error ? e.message : String(e)}`, true);
  } finally {
    transport.close();
  }
}

async function notify(a: QueuedAction, deps: ActionDeps, subjectT: string, bodyT: string): Promise<ActionOutcome> {
  const doc = await deps.blocks.get(String(a.action.block_document_id), true);
  if (!doc) return fail("The referenced block document was not found");
  const ctx = await context(a, deps);
  const subject = render(subjectT, ctx);
  const body = render(bodyT, ctx);
  const slug = doc.block_type?.slug ?? "";
  if (slug === "smtp-email" || slug === "email-server-credentials")
    return sendEmail(doc.data, subject, body, deps.timeoutMs ?? 10_000);
  const reqs = notificationRequests(slug, doc.data, subject, body, deps.baseUrls ?? DEFAULT_BASE_URLS);
  if ("error" in reqs) return fail(reqs.error);
  return send(reqs, deps.timeoutMs ?? 10_000);
}

const done = (details?: Record<string, unknown>): ActionOutcome => ({ ok: true, responseCode: null, details });

/**
 * Prefect's ui_url and ui_resource_events_url filters, pointing at this server's dashboard: a flow
 * run, deployment, flow, work pool or event by what it is (run objects carry flow_id and a state).
 */
export function registerUiFilters(uiUrl: string): void {
  const base = uiUrl.replace(/\/+$/, "");
  addTemplateFilter("ui_url", (obj: unknown) => {
    const o = (obj ?? {}) as Record<string, unknown>;
    const id = typeof o.id === "string" ? encodeURIComponent(o.id) : null;
    if (!id) return null;
    if ("flow_id" in o && "state" in o && "task_runs" in o === false && "entrypoint" in o === false)
      return `${base}/runs/${id}`;
    if ("entrypoint" in o || "schedules" in o) return `${base}/deployments/${id}`;
    if ("event" in o && "occurred" in o) return `${base}/events/${id}`;
    if ("base_job_template" in o && typeof o.name === "string")
      return `${base}/work-pools/${encodeURIComponent(o.name)}`;
    return `${base}/flows/${id}`;
  });
  addTemplateFilter("ui_resource_events_url", () => `${base}/events`);
}

export async function performAction(a: QueuedAction, deps: ActionDeps): Promise<ActionOutcome> {
  const x = a.action;
  const runId = () => inferred(a, "flow-run");
  switch (x.type) {
    case "do-nothing":
      return done();
    case "send-notification":
      return notify(a, deps, String(x.subject ?? ""), String(x.body ?? ""));
    case "call-webhook": {
      const doc = await deps.blocks.get(String(x.block_document_id), true);
      if (!doc) return fail("The referenced block document was not found");
      const payload = render(String(x.payload ?? ""), await context(a, deps));
      const url = String(doc.data.url ?? "");
      const method = String(doc.data.method ?? "POST").toUpperCase();
      const headers: Record<string, string> = {
        "user-agent": "Prefect Notifications",
        "content-type": "application/json",
      };
      for (const [k, v] of Object.entries((doc.data.headers as Record<string, unknown>) ?? {})) headers[k] = String(v);
      const allowPrivate = doc.data.allow_private_urls !== false;
      return send([{ method, url, headers, body: payload, allowPrivate }], deps.timeoutMs ?? 10_000);
    }
    case "pause-deployment":
    case "resume-deployment": {
      const id = target(a, "deployment", "deployment_id");
      if (!id) return fail("No deployment could be inferred");
      if (!(await deps.deployments.setPaused(id, x.type === "pause-deployment")))
        return fail(`Deployment ${id} not found`);
      return done({ deployment_id: id });
    }
    case "run-deployment": {
      const id = target(a, "deployment", "deployment_id");
      if (!id) return fail("No deployment could be inferred");
      const ctx = await context(a, deps);
      const rendered = x.parameters
        ? renderParameters(x.parameters as Record<string, unknown>, (t) => render(t, ctx))
        : { parameters: undefined };
      if ("error" in rendered) return fail(rendered.error);
      const parameters = rendered.parameters;
      const scheduled = new Date(Date.now() + Number(x.schedule_after ?? 0) * 1000).toISOString();
      const created = await deps.deployments.createFlowRun(id, {
        parameters,
        job_variables: (x.job_variables as Record<string, unknown>) ?? undefined,
        state: { type: "SCHEDULED", name: "Scheduled", state_details: { scheduled_time: scheduled } },
        tags: [],
      } as never);
      if (!created) return fail(`Deployment ${id} not found`);
      const runIdOut = (created as { run?: { id: string }; id?: string }).run?.id ?? (created as { id?: string }).id;
      return done({ flow_run_id: runIdOut });
    }
    case "cancel-flow-run": {
      const id = runId();
      if (!id) return fail("No flow run could be inferred");
      await deps.transitions.cancelFlowRun(id, `Cancelled by Automation ${deps.automation.id}`);
      return done({ flow_run_id: id });
    }
    case "suspend-flow-run":
    case "change-flow-run-state": {
      const id = runId();
      if (!id) return fail("No flow run could be inferred");
      const state =
        x.type === "suspend-flow-run"
          ? {
              type: "PAUSED" as const,
              name: "Suspended",
              message: `Suspended by Automation ${deps.automation.id}`,
              state_details: { pause_reschedule: true },
            }
          : {
              type: x.state as "FAILED",
              name: (x.name as string | null) ?? undefined,
              message: (x.message as string | null) ?? `State changed by Automation ${deps.automation.id}`,
            };
      const outcome = await deps.transitions.setFlowRunState(id, state as never, { force: Boolean(x.force) });
      if (!outcome) return fail(`Flow run ${id} not found`);
      if (outcome.result.status !== "ACCEPT")
        return fail(`Failed to set state: ${JSON.stringify(outcome.result.details)}`);
      return done({ flow_run_id: id });
    }
    case "resume-flow-run": {
      const id = runId();
      if (!id) return fail("No flow run could be inferred");
      const r = await deps.transitions.resumeFlowRun(id);
      if (!r) return fail(`Flow run ${id} not found`);
      if (r.kind !== "transition") return fail(`Failed to resume flow run: ${r.reason}`);
      return done({ flow_run_id: id });
    }
    case "delete-flow-run":
      return fail("delete-flow-run is not supported by prefect-lite yet");
    case "pause-work-pool":
    case "resume-work-pool": {
      const id = target(a, "work-pool", "work_pool_id");
      const pool = id ? await deps.pools.get(id) : null;
      if (!pool) return fail("The work pool could not be found");
      await deps.workPools.updatePool(pool.name, { is_paused: x.type === "pause-work-pool" } as never);
      return done({ work_pool_id: id });
    }
    case "pause-work-queue":
    case "resume-work-queue": {
      const id = target(a, "work-queue", "work_queue_id");
      if (!id) return fail("No work queue could be inferred");
      await deps.workPools.updateQueue(id, { is_paused: x.type === "pause-work-queue" } as never);
      return done({ work_queue_id: id });
    }
    case "pause-automation":
    case "resume-automation": {
      const id = target(a, "automation", "automation_id");
      if (!id) return fail("No automation could be inferred");
      if (!(await deps.automationChanges().setEnabled(id, x.type === "resume-automation")))
        return fail(`Automation ${id} not found`);
      return done({ automation_id: id });
    }
    default:
      return fail(`Unknown action type ${x.type}`);
  }
}

export type { ReceivedEvent };
