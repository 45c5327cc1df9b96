// Dashboard Automations: the list (trigger and actions in words, enabled switch, last firing), an
// automation's page (words and JSON, recent firings, switch, delete, edit), and create and edit as
// JSON. Bodies are checked by the API's own parsers (schemas/automations.ts) and written through the
// automation changes the API uses (orchestration/automations.ts), so a refused form writes nothing
// and a saved one publishes the same events.
import { Elysia, t } from "elysia";
import { actionTargets, actionWords, type Names, triggerWords } from "../../views/components/automation-words.ts";
import { AutomationToggle } from "../../views/components/automation-toggle.tsx";
import { AutomationPage, type FiringRow } from "../../views/pages/automation.tsx";
import {
  type AutomationRow,
  AutomationsPage,
  automationHref,
  NewAutomationPage,
} from "../../views/pages/automations.tsx";
import { AppError, isFieldIssues } from "../core/errors.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import { automationCreateOf, automationUpdateOf } from "../schemas/automations.ts";
import type { Trigger } from "../schemas/automation-triggers.ts";
import type { AutomationJson } from "../store/automations.ts";
import type { NotificationDeps, UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));
const PAGE_SIZE = 50;
const FIRINGS = 20;
const STARTER = {
  name: "",
  description: "",
  enabled: true,
  tags: [],
  trigger: {
    type: "event",
    posture: "Reactive",
    match: { "prefect.resource.id": "prefect.flow-run.*" },
    match_related: {},
    expect: ["prefect.flow-run.Failed"],
    threshold: 1,
    within: 0,
  },
  actions: [{ type: "do-nothing" }],
};

const text = (body: unknown, key: string) => {
  const v = (body as Record<string, unknown> | null)?.[key];
  return typeof v === "string" ? v : "";
};
const back = (to: string, notice: string) => Response.redirect(`${to}?notice=${encodeURIComponent(notice)}`, 303);
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Trigger ids are made anew on every save (schemas/automation-triggers.ts), so the form leaves them out. */
function withoutIds(t: Trigger): unknown {
  const { id: _, ...rest } = t;
  return t.type === "event" ? rest : { ...rest, triggers: t.triggers.map(withoutIds) };
}

/** What the edit form starts from: the automation as the API takes it. */
const editable = (a: AutomationJson) =>
  pretty({
    name: a.name,
    description: a.description,
    enabled: a.enabled,
    tags: a.tags,
    trigger: withoutIds(a.trigger),
    actions: a.actions,
    actions_on_trigger: a.actions_on_trigger,
    actions_on_resolve: a.actions_on_resolve,
  });

/** The form's JSON through the API's parser: the input, or every problem by its path in the JSON. */
function parseForm<T>(
  json: string,
  parse: (body: unknown) => T,
): { ok: true; input: T } | { ok: false; errors: string[] } {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (e) {
    return { ok: false, errors: [`Not valid JSON: ${(e as Error).message}`] };
  }
  try {
    return { ok: true, input: parse(body) };
  } catch (e) {
    if (!(e instanceof AppError) || e.kind !== "invalid") throw e;
    const fields = isFieldIssues(e.detail) ? e.detail.fields : [{ path: [], msg: e.message }];
    return { ok: false, errors: fields.map((f) => (f.path.length ? `${f.path.join(".")}: ${f.msg}` : f.msg)) };
  }
}

/** The flow run an action's triggering event is about (behind the automation's own event for actions_on_trigger). */
function runOf(e: ReceivedEvent | null): string | null {
  const cause = (e?.payload as { triggering_event?: ReceivedEvent } | undefined)?.triggering_event;
  const id = e?.resource["prefect.resource.id"];
  const about = id?.startsWith("prefect.automation.") && cause ? cause.resource["prefect.resource.id"] : id;
  return about?.startsWith("prefect.flow-run.") ? about.slice("prefect.flow-run.".length) : null;
}

/** The automations that fired for a resource (created at `since`, ended at `until`), newest first, named. */
export async function automationsFiredFor(
  n: NotificationDeps,
  resourceId: string,
  since: string,
  until: string | null = null,
) {
  const fired = await n.actions.firedFor(resourceId, since, until);
  if (!fired.length) return [];
  const list = await n.automations.filter(
    { automations: { id: { any_: fired.map((f) => f.automation_id) } } },
    { limit: fired.length, offset: 0, sort: null },
  );
  const names = new Map(list.map((a) => [a.id, a.name]));
  return fired.flatMap((f) => {
    const name = names.get(f.automation_id);
    return name === undefined ? [] : [{ id: f.automation_id, name, actions: f.actions, last: f.last }];
  });
}

export function automationPages(deps: UiDeps, n: NotificationDeps) {
  const { stores, csrf } = deps;

  /** The names of what the automations' actions point at, each looked up once. */
  async function namesFor(list: AutomationJson[]): Promise<Names> {
    const lookups: Record<string, (id: string) => Promise<{ name: string } | null>> = {
      deployment_id: (id) => stores.deployments.get(id),
      work_pool_id: (id) => stores.workPools.get(id),
      work_queue_id: (id) => stores.workQueues.get(id),
      automation_id: (id) => n.automations.get(id),
      block_document_id: (id) => stores.blockDocuments.get(id),
    };
    const wanted = new Map<string, string>();
    for (const a of list)
      for (const x of [...a.actions, ...a.actions_on_trigger, ...a.actions_on_resolve])
        for (const [key, id] of actionTargets(x)) if (isUuid(id)) wanted.set(id, key);
    const names: Names = {};
    await Promise.all(
      [...wanted].map(async ([id, key]) => {
        const found = await lookups[key]!(id);
        if (found) names[id] = found.name;
      }),
    );
    return names;
  }

  const rowOf = (a: AutomationJson, names: Names, lastFired: string | null): AutomationRow => ({
    id: a.id,
    name: a.name,
    enabled: a.enabled,
    trigger: triggerWords(a.trigger),
    actions: [
      ...a.actions.map((x) => actionWords(x, names)),
      ...a.actions_on_trigger.map((x) => `When triggered: ${actionWords(x, names)}`),
      ...a.actions_on_resolve.map((x) => `When resolved: ${actionWords(x, names)}`),
    ],
    lastFired,
  });

  async function automationOf(id: string): Promise<AutomationJson> {
    const a = isUuid(id) ? await n.automations.get(id) : null;
    if (!a) throw new AppError("not_found", "Automation not found.");
    return a;
  }

  async function pageProps(a: AutomationJson, form: { json: string; errors: string[] }, notice?: string) {
    const [names, recent] = await Promise.all([namesFor([a]), n.actions.recent(a.id, FIRINGS)]);
    const firings: FiringRow[] = recent.map((r) => ({
      triggered: r.triggered,
      action: actionWords(r.action, names),
      status: r.status,
      attempts: r.attempts_log.length,
      responseCode: r.attempts_log.at(-1)?.response_code ?? null,
      error: r.last_error,
      runId: runOf(r.triggering_event),
    }));
    return {
      automation: {
        ...rowOf(a, names, recent[0]?.triggered ?? null),
        description: a.description,
        tags: a.tags,
        created: a.created,
        updated: a.updated,
      },
      json: pretty(a),
      firings,
      form,
      notice,
      csrfToken: csrf.token,
    };
  }

  async function setEnabled(id: string, body: unknown): Promise<AutomationJson> {
    const raw = text(body, "enabled");
    if (raw !== "true" && raw !== "false") throw new AppError("invalid", "enabled should be true or false.");
    await automationOf(id);
    const a = await n.changes.setEnabled(id, raw === "true");
    if (!a) throw new AppError("not_found", "Automation not found.");
    return a;
  }

  return new Elysia({ name: "ui.automations" })
    .get("/automations", async ({ query }) => {
      const page = pageNumber(query.page);
      const more = await n.automations.filter(
        {},
        { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE, sort: "NAME_ASC" },
      );
      const list = more.slice(0, PAGE_SIZE);
      const [names, last] = await Promise.all([namesFor(list), n.actions.lastFired(list.map((a) => a.id))]);
      const rows = list.map((a) => rowOf(a, names, last.get(a.id) ?? null));
      return html(
        <AutomationsPage
          automations={rows}
          page={page}
          hasNext={more.length > PAGE_SIZE}
          notice={query.notice}
          csrfToken={csrf.token}
        />,
      );
    })
    .get("/automations/new", () =>
      html(<NewAutomationPage json={pretty(STARTER)} errors={[]} csrfToken={csrf.token} />),
    )
    .post(
      "/automations",
      async ({ body, request }) => {
        csrf.check(request, body);
        const json = text(body, "json");
        const parsed = parseForm(json, automationCreateOf);
        if (!parsed.ok)
          return html(<NewAutomationPage json={json} errors={parsed.errors} csrfToken={csrf.token} />, 422);
        const a = await n.changes.create(parsed.input);
        return back(automationHref(a.id), `Automation "${a.name}" created.`);
      },
      { body: Form },
    )
    .get("/automations/:id", async ({ params, query }) => {
      const a = await automationOf(params.id);
      return html(<AutomationPage {...(await pageProps(a, { json: editable(a), errors: [] }, query.notice))} />);
    })
    .post(
      "/automations/:id",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const a = await automationOf(params.id);
        const json = text(body, "json");
        const parsed = parseForm(json, automationUpdateOf);
        if (!parsed.ok) return html(<AutomationPage {...(await pageProps(a, { json, errors: parsed.errors }))} />, 422);
        if (!(await n.changes.update(a.id, parsed.input))) throw new AppError("not_found", "Automation not found.");
        return back(automationHref(a.id), "Automation saved.");
      },
      { body: Form },
    )
    .patch(
      "/automations/:id",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const a = await setEnabled(params.id, body);
        return html(<AutomationToggle id={a.id} name={a.name} enabled={a.enabled} csrfToken={csrf.token} />);
      },
      { body: Form },
    )
    .post(
      "/automations/:id/enabled",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const a = await setEnabled(params.id, body);
        return back(automationHref(a.id), `Automation "${a.name}" ${a.enabled ? "enabled" : "disabled"}.`);
      },
      { body: Form },
    )
    .post(
      "/automations/:id/delete",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const a = await automationOf(params.id);
        await n.changes.delete(a.id);
        return back("/automations", `Automation "${a.name}" deleted.`);
      },
      { body: Form },
    );
}
