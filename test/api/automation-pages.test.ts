// The Automations pages rendered by the real app on every dialect (the browser test runs SQLite only):
// a refused JSON form is a 422 that writes nothing, a good one creates; the htmx switch answers its
// new state; a failing run's page links to the automation that fired for it; delete; 404 pages.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("automation pages on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let token = "";
  const api = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(`/api${path}`, { method, json });
    const text = await r.text();
    return text ? JSON.parse(text) : null;
  };
  const form = (method: string, path: string, fields: Record<string, string>) =>
    t.call(path, {
      method,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": token, accept: "text/html" },
      body: new URLSearchParams(fields).toString(),
    });
  const count = async () => (await api("POST", "/automations/count", {})) as number;

  beforeAll(async () => {
    t = await testApp({}, await url());
    await t.app.automations.triggers.start();
    const page = await (await t.call("/automations/new")).text();
    token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  });
  afterAll(async () => {
    await t.app.automations.runActions();
    await t.close();
  });

  test("create as JSON, toggle, a run's link to what fired for it, delete", async () => {
    const bad = await form("POST", "/automations", {
      json: '{"name": "x", "trigger": {}, "actions": [{"type": "no"}]}',
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("<li>actions.0.type: Input tag &#x27;no&#x27; found");
    expect(await count()).toBe(0);

    const json = JSON.stringify({
      name: "fails",
      trigger: { posture: "Reactive", expect: ["prefect.flow-run.Failed"], match: {} },
      actions: [{ type: "do-nothing" }],
    });
    const made = await form("POST", "/automations", { json });
    expect(made.status).toBe(303);
    const id = /\/automations\/([0-9a-f-]{36})\?/.exec(made.headers.get("location") ?? "")![1]!;
    expect(await count()).toBe(1);

    const off = await form("PATCH", `/automations/${id}`, { enabled: "false" });
    expect(off.status).toBe(200);
    expect(await off.text()).toContain('aria-checked="false"');
    expect((await api("GET", `/automations/${id}`)).enabled).toBe(false);
    expect((await form("PATCH", `/automations/${id}`, { enabled: "true" })).status).toBe(200);
    await t.app.automations.triggers.ready();

    const flow = await api("POST", "/flows/", { name: "etl" });
    const run = await api("POST", "/flow_runs/", { flow_id: flow.id, state: { type: "RUNNING" } });
    const quiet = await api("POST", "/flow_runs/", { flow_id: flow.id, state: { type: "RUNNING" } });
    await api("POST", `/flow_runs/${run.id}/set_state`, { state: { type: "FAILED" } });
    await t.app.events.flush();
    const runPage = await (await t.call(`/runs/${run.id}`)).text();
    expect(runPage).toContain(`<a href="/automations/${id}">fails</a>`);
    expect(await (await t.call(`/runs/${quiet.id}`)).text()).not.toContain('id="automations"');
    const detail = await (await t.call(`/automations/${id}`)).text();
    expect(detail).toContain(`<a href="/runs/${run.id}">Flow run</a>`);

    const gone = await form("POST", `/automations/${id}/delete`, {});
    expect(gone.status).toBe(303);
    expect(await count()).toBe(0);
    const missing = await t.call(`/automations/${id}`, { headers: { accept: "text/html" } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Automation not found.");
  });

  test("the list pages by name, 50 a page", async () => {
    const one = { trigger: { posture: "Reactive", expect: ["x"] }, actions: [{ type: "do-nothing" }] };
    for (let i = 0; i < 51; i++) await api("POST", "/automations/", { ...one, name: `a${String(i).padStart(2, "0")}` });
    const rows = (html: string) =>
      [...html.matchAll(/<tr data-automation="[^"]+"><td><a href="[^"]+">([^<]+)</g)].map((m) => m[1]);
    const first = await (await t.call("/automations")).text();
    expect(rows(first)).toHaveLength(50);
    expect(rows(first)[0]).toBe("a00");
    expect(first).toContain('href="/automations?page=2"');
    const second = await (await t.call("/automations?page=2")).text();
    expect(rows(second)).toEqual(["a50"]);
  });
});
