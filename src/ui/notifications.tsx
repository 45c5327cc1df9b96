// Dashboard Notifications: list, create (states, optional tags, a notify-capable channel block, subject
// and body checked as templates), pause/resume and delete. Each is an automation (made by
// schemas/notification-policies.ts), written through the automation changes the API uses, so the SDK
// and CLI see it and its deliveries go through the same queue.
import { Elysia, t } from "elysia";
import { type NotificationFormValues, NotificationsPage, NOTIFY_STATES } from "../../views/pages/notifications.tsx";
import { AppError } from "../core/errors.ts";
import { validateTemplate } from "../core/templates.ts";
import { NOTIFICATION_TAG, notificationAutomation, notificationOf } from "../schemas/notification-policies.ts";
import type { NotificationDeps, UiDeps } from "./deps.ts";
import { isUuid } from "../core/uuid.ts";
import { html } from "./html.ts";

const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));
const EMPTY: NotificationFormValues = { name: "", states: ["Failed"], tags: "", block: "", subject: "", body: "" };
const text = (body: unknown, key: string) => {
  const v = (body as Record<string, unknown> | null)?.[key];
  return typeof v === "string" ? v : "";
};
const many = (body: unknown, key: string): string[] => {
  const v = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
};
const back = (notice: string) => Response.redirect(`/notifications?notice=${encodeURIComponent(notice)}`, 303);

export function notificationPages(deps: UiDeps, n: NotificationDeps) {
  const { stores, csrf } = deps;
  async function channels() {
    const docs = await stores.blockDocuments.filter(
      { block_schemas: { block_capabilities: { all_: ["notify"] } } },
      { limit: 200, offset: 0, sort: null },
      false,
    );
    return docs.map((d) => ({ id: d.id, label: `${d.name} (${d.block_type?.name ?? d.block_type_name ?? "block"})` }));
  }
  async function props(extra: Partial<Parameters<typeof NotificationsPage>[0]>) {
    const list = await n.automations.filter(
      { automations: { tags: { all_: [NOTIFICATION_TAG] } } },
      {
        limit: 200,
        offset: 0,
        sort: "NAME_ASC",
      },
    );
    const chans = await channels();
    const rows = await Promise.all(
      list.map(async (a) => {
        const x = notificationOf(a);
        const recent = await n.actions.recent(a.id, 5);
        return {
          ...x,
          channel: chans.find((c) => c.id === x.block_document_id)?.label ?? "a deleted block",
          deliveries: recent.map((r) => ({ triggered: r.triggered, status: r.status, error: r.last_error })),
        };
      }),
    );
    return { notifications: rows, channels: chans, form: EMPTY, errors: {}, csrfToken: csrf.token, ...extra };
  }
  /** The notification a path names; anything else (a malformed id included) is the 404 page. */
  const notification = async (id: string) => {
    const a = isUuid(id) ? await n.automations.get(id) : null;
    if (!a?.tags.includes(NOTIFICATION_TAG)) throw new AppError("not_found", "Notification not found.");
    return a;
  };
  const setEnabled = async (id: string, enabled: boolean) => {
    const a = await notification(id);
    await n.changes.setEnabled(id, enabled);
    return a.name;
  };
  return new Elysia({ name: "ui.notifications" })
    .get("/notifications", async ({ query }) =>
      html(<NotificationsPage {...(await props({ notice: query.notice }))} />),
    )
    .post(
      "/notifications",
      async ({ body, request }) => {
        csrf.check(request, body);
        const values: NotificationFormValues = {
          name: text(body, "name").trim(),
          states: many(body, "states").filter((s) => NOTIFY_STATES.includes(s)),
          tags: text(body, "tags"),
          block: text(body, "block"),
          subject: text(body, "subject"),
          body: text(body, "body"),
        };
        const errors: Record<string, string> = {};
        if (!values.name) errors.name = "Enter a name.";
        if (!values.states.length) errors.states = "Pick at least one state.";
        const chans = await channels();
        if (!chans.some((c) => c.id === values.block)) errors.block = "Choose a channel block.";
        for (const key of ["subject", "body"] as const) {
          const err = validateTemplate(values[key]);
          if (err) errors[key] = `Not a valid template${err.line ? ` (line ${err.line})` : ""}: ${err.message}`;
        }
        if (Object.keys(errors).length)
          return html(<NotificationsPage {...(await props({ form: values, errors }))} />, 422);
        const tags = values.tags
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        await n.changes.create({
          ...notificationAutomation({
            name: values.name,
            enabled: true,
            state_names: values.states,
            tags,
            block_document_id: values.block,
            subject: values.subject,
            body: values.body,
          }),
          owner_resource: null,
        });
        return back(`Notification "${values.name}" created.`);
      },
      { body: Form },
    )
    .post(
      "/notifications/:id/pause",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        return back(`Notification "${await setEnabled(params.id, false)}" paused.`);
      },
      { body: Form },
    )
    .post(
      "/notifications/:id/resume",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        return back(`Notification "${await setEnabled(params.id, true)}" resumed.`);
      },
      { body: Form },
    )
    .post(
      "/notifications/:id/test",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const a = await notification(params.id);
        const outcome = await n.sendTest?.(a.id);
        if (!outcome) throw new AppError("not_found", "Notification not found.");
        const code = outcome.responseCode ? ` (HTTP ${outcome.responseCode})` : "";
        return back(
          outcome.ok
            ? `Test of "${a.name}" sent${code}.`
            : `Test of "${a.name}" failed${code}: ${outcome.reason ?? "no reason given"}`,
        );
      },
      { body: Form },
    )
    .post(
      "/notifications/:id/delete",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const name = await setEnabled(params.id, false);
        await n.changes.delete(params.id);
        return back(`Notification "${name}" deleted.`);
      },
      { body: Form },
    );
}
