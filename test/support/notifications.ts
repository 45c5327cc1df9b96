// Steps the notification tests share, over a testApp (test/support/app.ts) and its real API: JSON
// calls, a block document of a built-in type, an automation notifying on failure, a run that fails,
// and waiting until the actions the failure fired have been performed.
import { expect } from "bun:test";
import type { testApp } from "./app.ts";

type App = Awaited<ReturnType<typeof testApp>>;

/** `app.handle` with a JSON body; the answer's status and parsed body. */
export async function callJson(t: App, method: string, path: string, json?: unknown) {
  const r = await t.call(path, { method, json });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
}

/** A block document of the built-in type `slug` holding `data`; its id. */
export async function blockDocument(t: App, slug: string, name: string, data: Record<string, unknown>) {
  const type = (await callJson(t, "GET", `/api/block_types/slug/${slug}`)).body;
  const schemas = (
    await callJson(t, "POST", "/api/block_schemas/filter", { block_schemas: { block_type_id: { any_: [type.id] } } })
  ).body;
  const doc = await callJson(t, "POST", "/api/block_documents/", {
    name,
    block_type_id: type.id,
    block_schema_id: schemas[0].id,
    data,
  });
  expect(doc.status).toBe(201);
  return doc.body.id as string;
}

/** Moves a flow run to FAILED (made RUNNING first when `flowId` is given); its id. */
export async function failRun(t: App, run: { flowId: string; name: string } | { id: string }): Promise<string> {
  const id =
    "id" in run
      ? run.id
      : (
          await callJson(t, "POST", "/api/flow_runs/", {
            flow_id: run.flowId,
            name: run.name,
            state: { type: "RUNNING" },
          })
        ).body.id;
  const r = await callJson(t, "POST", `/api/flow_runs/${id}/set_state`, { state: { type: "FAILED" } });
  expect(r.body.status).toBe("ACCEPT");
  return id;
}

/** Waits for the triggers and the persister, then performs the queued actions. */
export async function settle(t: App) {
  await t.app.automations.triggers.ready();
  await t.app.events.flush();
  await t.app.automations.runActions();
}

/**
 * An automation sending a notification through each of `blocks` when the flow run `runId` (any, by
 * default) fails, ready to fire; its id.
 */
export async function notifyOnFailure(
  t: App,
  name: string,
  blocks: string[],
  opts: { runId?: string; body?: string } = {},
): Promise<string> {
  const a = await callJson(t, "POST", "/api/automations/", {
    name,
    trigger: {
      type: "event",
      posture: "Reactive",
      expect: ["prefect.flow-run.Failed"],
      match: { "prefect.resource.id": `prefect.flow-run.${opts.runId ?? "*"}` },
    },
    actions: blocks.map((id) => ({
      type: "send-notification",
      block_document_id: id,
      subject: "{{ flow_run.name }} failed",
      body: opts.body ?? "Flow {{ flow.name }} run {{ flow_run.name }} entered {{ flow_run.state.name }}",
    })),
  });
  expect(a.status).toBe(201);
  await t.app.automations.triggers.ready();
  return a.body.id;
}
