// /api/automations through app.handle on every dialect: Prefect's trigger and action models with their
// defaults, 422 for bad bodies and bad templates, filter/count/sort, PUT/PATCH/DELETE, related-to and
// owned-by, /templates/validate.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

const BLOCK = "00000000-0000-4000-8000-000000000001";
const DEPLOYMENT = "00000000-0000-4000-8000-0000000000d1";
const failing = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  trigger: {
    type: "event",
    posture: "Reactive",
    expect: ["prefect.flow-run.Failed"],
    match: { "prefect.resource.id": "prefect.flow-run.*" },
    match_related: { "prefect.resource.id": "prefect.tag.daily-etl" },
  },
  actions: [{ type: "send-notification", block_document_id: BLOCK, body: "{{ flow_run.name }} failed" }],
  ...extra,
});

describe.each(DIALECTS)("automations API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  beforeAll(async () => {
    t = await testApp({}, await url());
  });
  afterAll(() => t.close());

  test("create fills Prefect's defaults and reads back", async () => {
    const r = await call("POST", "/api/automations/", failing("a1"));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: "a1", description: "", enabled: true, tags: [], actions_on_trigger: [] });
    expect(r.body.trigger).toMatchObject({ type: "event", after: [], for_each: [], threshold: 1, within: 0 });
    expect(r.body.actions[0]).toEqual({
      type: "send-notification",
      block_document_id: BLOCK,
      subject: "Prefect automated notification",
      body: "{{ flow_run.name }} failed",
    });
    expect((await call("GET", `/api/automations/${r.body.id}`)).body).toEqual(r.body);
    const proactive = await call("POST", "/api/automations/", {
      name: "pro",
      trigger: { posture: "Proactive", expect: ["x"], within: "PT1M" },
      actions: [{ type: "pause-deployment", source: "inferred" }],
    });
    expect(proactive.body.trigger.within).toBe(60);
    expect(proactive.body.actions[0]).toEqual({ type: "pause-deployment", source: "inferred", deployment_id: null });
  });

  test("bad bodies and templates are 422 with the field named; nothing is written", async () => {
    const before = (await call("POST", "/api/automations/count", {})).body;
    const bad = [
      { ...failing("x"), extra: 1 },
      { ...failing("x"), trigger: { posture: "Sideways" } },
      { ...failing("x"), trigger: { posture: "Proactive", within: 5 } },
      { ...failing("x"), actions: [{ type: "pause-deployment" }] },
      { ...failing("x"), actions: [{ type: "send-notification", block_document_id: BLOCK, body: "{{ nope }}" }] },
      { ...failing("x"), actions: [{ type: "send-notification", block_document_id: BLOCK, body: "{{ x" }] },
      { ...failing("x"), actions: [{ type: "declare-incident" }] },
      { ...failing("x"), trigger: { type: "compound", require: 3, triggers: [{ posture: "Reactive" }] } },
      { name: "x" },
      [],
    ];
    for (const body of bad) {
      const r = await call("POST", "/api/automations/", body);
      expect(r.status).toBe(422);
      expect(r.body.exception_detail?.length ?? 1).toBeGreaterThan(0);
    }
    expect((await call("POST", "/api/automations/count", {})).body).toBe(before);
  });

  test("filter, count, PUT, PATCH, DELETE and 404s", async () => {
    const a = (await call("POST", "/api/automations/", failing("zeta", { tags: ["t1"] }))).body;
    const f = await call("POST", "/api/automations/filter", { automations: { name: { any_: ["zeta"] } } });
    expect(f.body.map((x: any) => x.id)).toEqual([a.id]);
    expect((await call("POST", "/api/automations/count", { automations: { tags: { all_: ["t1"] } } })).body).toBe(1);
    const sorted = (await call("POST", "/api/automations/filter", { sort: "NAME_DESC" })).body.map((x: any) => x.name);
    expect(sorted[0]).toBe("zeta");
    expect((await call("PUT", `/api/automations/${a.id}`, failing("zeta2"))).status).toBe(204);
    expect((await call("GET", `/api/automations/${a.id}`)).body.name).toBe("zeta2");
    expect((await call("PATCH", `/api/automations/${a.id}`, { enabled: false })).status).toBe(204);
    expect((await call("GET", `/api/automations/${a.id}`)).body.enabled).toBe(false);
    expect((await call("PATCH", `/api/automations/${a.id}`, { name: "no" })).status).toBe(422);
    expect((await call("DELETE", `/api/automations/${a.id}`)).status).toBe(204);
    const gone = await call("GET", `/api/automations/${a.id}`);
    expect(gone).toEqual({ status: 404, body: { detail: "Automation not found" } });
    expect((await call("DELETE", `/api/automations/${a.id}`)).status).toBe(404);
    expect((await call("PUT", `/api/automations/${a.id}`, failing("q"))).status).toBe(404);
  });

  test("related-to names selected deployments and owners; owned-by deletes only owned ones", async () => {
    const owner = "prefect.deployment.11111111-1111-4111-8111-111111111111";
    const owned = (await call("POST", "/api/automations/", { ...failing("owned"), owner_resource: owner })).body;
    const runs = (
      await call("POST", "/api/automations/", {
        ...failing("runs"),
        actions: [{ type: "run-deployment", deployment_id: DEPLOYMENT }],
      })
    ).body;
    expect(runs.actions[0]).toMatchObject({
      source: "selected",
      parameters: null,
      job_variables: null,
      schedule_after: 0,
    });
    expect((await call("GET", `/api/automations/related-to/${owner}`)).body.map((x: any) => x.id)).toEqual([owned.id]);
    const rel = await call("GET", `/api/automations/related-to/prefect.deployment.${DEPLOYMENT}`);
    expect(rel.body.map((x: any) => x.id)).toEqual([runs.id]);
    expect((await call("DELETE", `/api/automations/owned-by/prefect.deployment.${DEPLOYMENT}`)).status).toBe(202);
    expect((await call("GET", `/api/automations/${runs.id}`)).status).toBe(200);
    expect((await call("DELETE", `/api/automations/owned-by/${owner}`)).status).toBe(202);
    expect((await call("GET", `/api/automations/${owned.id}`)).status).toBe(404);
  });

  test("templates/validate: 204, or 422 with line, message and source", async () => {
    for (const p of ["/api/templates/validate", "/api/automations/templates/validate"]) {
      expect((await call("POST", p, "Run {{ flow_run.name }}")).status).toBe(204);
      const r = await call("POST", p, "{{ flow_run.name ");
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ source: "{{ flow_run.name " });
      expect(typeof r.body.error.message).toBe("string");
    }
  });
});
