// /api/deployments through app.handle on every dialect: the upsert and its refusals, reads, filters and
// sorts, PATCH with Prefect's schedule-by-slug rules, deletes, and the prefect.deployment.* events.
// Runs made from a deployment, polling, pausing and the schedule routes: deployment-runs.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

/** What the SDK sends for a flow without parameters. */
const NO_PARAMETERS = { type: "object", properties: {} };

describe.each(DIALECTS)("deployments API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const events: ReceivedEvent[] = [];

  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const deploy = async (body: J) => {
    const r = await post("/api/deployments/", { flow_id: flowId, parameter_openapi_schema: NO_PARAMETERS, ...body });
    if (r.status !== 201 && r.status !== 200) throw new Error(`deploy: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as J;
  };
  const count = async () => (await post("/api/deployments/count")).body as number;
  const runsOf = async (deploymentId: string) =>
    (await post("/api/flow_runs/filter", { flow_runs: { deployment_id: { any_: [deploymentId] } } })).body as J[];
  const eventsFor = (id: string, kind?: string) =>
    events.filter(
      (e) => e.resource["prefect.resource.id"] === `prefect.deployment.${id}` && (!kind || e.event === kind),
    );

  beforeAll(async () => {
    t = await testApp({}, await url());
    t.app.bus.subscribe((es) => events.push(...es));
    flowId = (await post("/api/flows/", { name: "etl" })).body.id;
  });
  afterAll(() => t.close());

  test("create answers 201 with Prefect's defaults; the same (flow, name) is an upsert answering 200", async () => {
    const a = await post("/api/deployments/", {
      flow_id: flowId,
      name: "upsert",
      description: "one",
      tags: ["a"],
      labels: { team: "data" },
      parameter_openapi_schema: NO_PARAMETERS,
      schedules: [{ schedule: { interval: 3600 } }],
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      name: "upsert",
      flow_id: flowId,
      paused: false,
      status: "NOT_READY",
      enforce_parameter_schema: true,
      labels: { team: "data", "prefect.flow.id": flowId },
    });
    expect(a.body.schedules).toHaveLength(1);
    expect(a.body.schedules[0]).toMatchObject({
      active: true,
      slug: null,
      schedule: { interval: 3600, timezone: "UTC" },
    });
    expect(eventsFor(a.body.id, "prefect.deployment.created")).toHaveLength(1);

    // Auto-scheduled runs, one of which starts, and one made by hand: the upsert deletes only the
    // auto-scheduled runs that have not started.
    await t.app.services.scheduler.runOnce();
    const auto = await runsOf(a.body.id);
    expect(auto.length).toBeGreaterThanOrEqual(3);
    expect(auto.every((r) => r.auto_scheduled && r.state_type === "SCHEDULED")).toBe(true);
    const started = auto[0].id;
    expect(
      (await post(`/api/flow_runs/${started}/set_state`, { state: { type: "RUNNING" }, force: true })).status,
    ).toBe(201);
    const later = new Date(Date.now() + 600_000).toISOString();
    const manual = (
      await post(`/api/deployments/${a.body.id}/create_flow_run`, {
        state: { type: "SCHEDULED", state_details: { scheduled_time: later } },
      })
    ).body.id;
    expect(manual).toBeString();

    const b = await post("/api/deployments/", {
      flow_id: flowId,
      name: "upsert",
      description: "two",
      tags: ["b"],
      schedules: [{ schedule: { cron: "0 0 * * *" }, slug: "nightly" }],
    });
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body).toMatchObject({ description: "two", tags: ["b"] });
    expect(b.body.schedules).toHaveLength(1);
    expect(b.body.schedules[0]).toMatchObject({ slug: "nightly", schedule: { cron: "0 0 * * *" } });
    expect(b.body.schedules[0].id).not.toBe(a.body.schedules[0].id);
    const left = (await runsOf(a.body.id)).map((r) => r.id).sort();
    expect(left).toEqual([started, manual].sort());
    expect(await count()).toBeGreaterThanOrEqual(1);

    const updated = eventsFor(a.body.id, "prefect.deployment.updated");
    expect(updated).toHaveLength(1);
    expect(updated[0].payload.updated_fields).toEqual(expect.arrayContaining(["description", "tags"]));
    expect(updated[0].related).toContainEqual({
      "prefect.resource.id": `prefect.flow.${flowId}`,
      "prefect.resource.name": "etl",
      "prefect.resource.role": "flow",
    });
  });

  test("a deployment of a flow that does not exist is a 409 and stores nothing", async () => {
    const before = await count();
    const r = await post("/api/deployments/", { flow_id: crypto.randomUUID(), name: "orphan" });
    expect(r.status).toBe(409);
    expect(await count()).toBe(before);
  });

  const schema = {
    type: "object",
    properties: { x: { type: "integer" }, who: { type: "string" } },
    required: ["x"],
  };
  const refusals: Array<[string, J, Array<string | number>]> = [
    ["an invalid cron", { schedules: [{ schedule: { cron: "not a cron" } }] }, ["schedules", 0, "schedule", "cron"]],
    [
      "an unknown time zone",
      { schedules: [{ schedule: { cron: "0 0 * * *", timezone: "Mars/Olympus" } }] },
      ["schedules", 0, "schedule", "timezone"],
    ],
    [
      "a negative interval, in the second schedule",
      { schedules: [{ schedule: { interval: 60 } }, { schedule: { interval: -5 } }] },
      ["schedules", 1, "schedule", "interval"],
    ],
    [
      "a non-integer max_scheduled_runs",
      { schedules: [{ schedule: { interval: 60 }, max_scheduled_runs: 1.5 }] },
      ["schedules", 0, "max_scheduled_runs"],
    ],
    [
      "max_scheduled_runs above PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS (50)",
      { schedules: [{ schedule: { interval: 60 }, max_scheduled_runs: 51 }] },
      ["schedules", 0, "max_scheduled_runs"],
    ],
    [
      "parameters that do not fit the enforced schema",
      { parameters: { x: "three" }, parameter_openapi_schema: schema, enforce_parameter_schema: true },
      ["parameters", "x"],
    ],
    ["a name of the wrong type", { name: 7 }, ["name"]],
  ];
  for (const [what, body, loc] of refusals) {
    test(`422 for ${what}, naming ${loc.join(".")}; neither a new nor an existing deployment changes`, async () => {
      const existing = await deploy({
        name: "kept",
        description: "as is",
        schedules: [{ schedule: { interval: 60 } }],
      });
      const before = await count();
      for (const name of ["brand-new", "kept"]) {
        const r = await post("/api/deployments/", { flow_id: flowId, name, ...body });
        expect(r.status).toBe(422);
        expect(r.body.exception_detail.map((d: J) => d.loc)).toContainEqual(["body", ...loc]);
      }
      expect(await count()).toBe(before);
      expect((await call("GET", "/api/deployments/name/etl/brand-new")).status).toBe(404);
      const now = (await call("GET", `/api/deployments/${existing.id}`)).body;
      expect(now.description).toBe("as is");
      expect(now.schedules.map((s: J) => s.id)).toEqual(existing.schedules.map((s: J) => s.id));
    });
  }

  test("parameters are checked against the schema only when enforcement is on; required ones may be missing", async () => {
    const loose = await post("/api/deployments/", {
      flow_id: flowId,
      name: "loose",
      parameters: { x: "three" },
      parameter_openapi_schema: schema,
      enforce_parameter_schema: false,
    });
    expect(loose.status).toBe(201);
    const partial = await post("/api/deployments/", {
      flow_id: flowId,
      name: "partial",
      parameters: { who: "me" },
      parameter_openapi_schema: schema,
    });
    expect(partial.status).toBe(201);
  });

  test("read by id and by flow/name; unknown ones are 404", async () => {
    const d = await deploy({ name: "readable", version: "1.2" });
    const byId = await call("GET", `/api/deployments/${d.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(d);
    const byName = await call("GET", "/api/deployments/name/etl/readable");
    expect(byName.body.id).toBe(d.id);
    expect((await call("GET", `/api/deployments/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call("GET", "/api/deployments/name/etl/nope")).status).toBe(404);
    expect((await call("GET", "/api/deployments/name/nope/readable")).status).toBe(404);
  });

  describe("filters", () => {
    let listFlow: string;
    const ids: Record<string, string> = {};
    const only = () => ({ flows: { id: { any_: [listFlow] } } });
    const names = async (body: J) =>
      ((await post("/api/deployments/filter", { ...only(), ...body })).body as J[]).map((d) => d.name);

    beforeAll(async () => {
      listFlow = (await post("/api/flows/", { name: "listing-flow" })).body.id;
      const specs: J[] = [
        { name: "alpha", tags: ["x", "y"], work_queue_name: "q1" },
        { name: "beta", tags: ["x"], paused: true },
        { name: "gamma-alphabet", tags: ["y"], work_queue_name: "q2" },
      ];
      for (const s of specs) {
        ids[s.name] = (await deploy({ flow_id: listFlow, ...s })).id;
        await Bun.sleep(2);
      }
    });

    test("DeploymentFilter fields select, and count agrees with filter", async () => {
      expect(await names({ deployments: { name: { like_: "alpha" } } })).toEqual(["alpha", "gamma-alphabet"]);
      expect(await names({ deployments: { name: { any_: ["beta"] } } })).toEqual(["beta"]);
      expect(await names({ deployments: { flow_or_deployment_name: { like_: "LISTING" } } })).toHaveLength(3);
      expect(await names({ deployments: { flow_or_deployment_name: { like_: "gamma" } } })).toEqual(["gamma-alphabet"]);
      expect(await names({ deployments: { paused: { eq_: true } } })).toEqual(["beta"]);
      expect(await names({ deployments: { paused: { eq_: false } } })).toEqual(["alpha", "gamma-alphabet"]);
      expect(await names({ deployments: { tags: { all_: ["x", "y"] } } })).toEqual(["alpha"]);
      expect(await names({ deployments: { tags: { any_: ["y"] } } })).toEqual(["alpha", "gamma-alphabet"]);
      expect(await names({ deployments: { work_queue_name: { any_: ["q2"] } } })).toEqual(["gamma-alphabet"]);
      expect(await names({ deployments: { id: { any_: [ids.beta, ids.alpha] } } })).toEqual(["alpha", "beta"]);
      const counted = await post("/api/deployments/count", { ...only(), deployments: { tags: { any_: ["x"] } } });
      expect(counted.body).toBe(2);
    });

    test("sorts, limit/offset and paginate", async () => {
      expect(await names({ sort: "NAME_ASC" })).toEqual(["alpha", "beta", "gamma-alphabet"]);
      expect(await names({ sort: "NAME_DESC" })).toEqual(["gamma-alphabet", "beta", "alpha"]);
      expect(await names({ sort: "CREATED_DESC" })).toEqual(["gamma-alphabet", "beta", "alpha"]);
      expect(await names({ sort: "NAME_ASC", limit: 1, offset: 1 })).toEqual(["beta"]);
      const page = await post("/api/deployments/paginate", { ...only(), sort: "NAME_ASC", page: 2, limit: 2 });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ count: 3, limit: 2, page: 2, pages: 2 });
      expect(page.body.results.map((d: J) => d.name)).toEqual(["gamma-alphabet"]);
    });

    test("flows by whether they have a deployment; flow runs by their deployment's id or name", async () => {
      const lonely = (await post("/api/flows/", { name: "no-deployments" })).body.id;
      const flowIds = async (is_null_: boolean) =>
        (
          (await post("/api/flows/filter", { flows: { id: { any_: [listFlow, lonely] }, deployment: { is_null_ } } }))
            .body as J[]
        ).map((f) => f.id);
      expect(await flowIds(false)).toEqual([listFlow]);
      expect(await flowIds(true)).toEqual([lonely]);

      const a = (await post(`/api/deployments/${ids.alpha}/create_flow_run`, {})).body.id;
      const g = (await post(`/api/deployments/${ids["gamma-alphabet"]}/create_flow_run`, {})).body.id;
      await post("/api/flow_runs/", { flow_id: listFlow });
      const runIds = async (deployments: J) =>
        ((await post("/api/flow_runs/filter", { flows: { id: { any_: [listFlow] } }, deployments })).body as J[]).map(
          (r) => r.id,
        );
      expect(await runIds({ id: { any_: [ids.alpha] } })).toEqual([a]);
      expect((await runIds({ name: { like_: "alpha" } })).sort()).toEqual([a, g].sort());
      const counted = await post("/api/flow_runs/count", { deployments: { name: { any_: ["gamma-alphabet"] } } });
      expect(counted.body).toBe(1);
    });
  });

  test("PATCH changes the given fields only, answers 204 and announces updated_fields; unknown id is 404", async () => {
    const d = await deploy({ name: "patched", description: "old", tags: ["t"], version: "1" });
    const r = await call("PATCH", `/api/deployments/${d.id}`, { description: "new", paused: true });
    expect(r.status).toBe(204);
    const now = (await call("GET", `/api/deployments/${d.id}`)).body;
    expect(now).toMatchObject({ description: "new", paused: true, tags: ["t"], version: "1" });
    const ev = eventsFor(d.id, "prefect.deployment.updated");
    expect(ev).toHaveLength(1);
    expect([...(ev[0].payload.updated_fields as string[])].sort()).toEqual(["description", "paused"]);
    expect(ev[0].related[0]["prefect.resource.id"]).toBe(`prefect.flow.${flowId}`);
    expect((await call("PATCH", `/api/deployments/${crypto.randomUUID()}`, { paused: true })).status).toBe(404);
  });

  test("PATCH with enforcement on refuses parameters that do not fit (422 naming the field) and changes nothing", async () => {
    const d = await deploy({ name: "enforced", parameters: { x: 1 }, parameter_openapi_schema: schema });
    const bad = await call("PATCH", `/api/deployments/${d.id}`, { parameters: { x: "one" }, description: "changed" });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail.map((e: J) => e.loc)).toContainEqual(["body", "parameters", "x"]);
    const now = (await call("GET", `/api/deployments/${d.id}`)).body;
    expect(now).toMatchObject({ parameters: { x: 1 }, description: null });
    expect((await call("PATCH", `/api/deployments/${d.id}`, { parameters: { x: 2 } })).status).toBe(204);
    expect((await call("GET", `/api/deployments/${d.id}`)).body.parameters).toEqual({ x: 2 });
  });

  test("PATCH schedules by slug: updates in place, `replaces` renames, others stay; unslugged ones are refused", async () => {
    const d = await deploy({
      name: "slugged",
      schedules: [
        { slug: "a", schedule: { interval: 60 } },
        { slug: "b", schedule: { interval: 120 } },
      ],
    });
    const [a, b] = d.schedules as J[];
    const schedules = async () => (await call("GET", `/api/deployments/${d.id}`)).body.schedules as J[];
    const patch = (s: J[]) => call("PATCH", `/api/deployments/${d.id}`, { schedules: s });

    expect((await patch([{ slug: "a", schedule: { interval: 600 }, active: false }])).status).toBe(204);
    let now = await schedules();
    expect(now.map((s) => [s.id, s.slug, s.schedule.interval, s.active])).toEqual([
      [a.id, "a", 600, false],
      [b.id, "b", 120, true],
    ]);

    expect(
      (
        await patch([
          { slug: "c", replaces: "a" },
          { slug: "new", schedule: { interval: 30 } },
        ])
      ).status,
    ).toBe(204);
    now = await schedules();
    expect(now.map((s) => [s.slug, s.schedule.interval])).toEqual([
      ["c", 600],
      ["b", 120],
      ["new", 30],
    ]);
    expect(now[0].id).toBe(a.id);

    const unslugged = await patch([{ schedule: { interval: 5 } }]);
    expect(unslugged.status).toBe(422);
    expect((await schedules()).map((s) => s.slug)).toEqual(["c", "b", "new"]);
    expect((await patch([{ slug: "b", replaces: "c" }])).status).toBe(422);
  });

  test("PATCH schedules when the existing ones have no slug: replaced wholesale", async () => {
    const d = await deploy({
      name: "plain",
      schedules: [{ schedule: { interval: 60 } }, { schedule: { interval: 90 } }],
    });
    const r = await call("PATCH", `/api/deployments/${d.id}`, { schedules: [{ schedule: { cron: "*/5 * * * *" } }] });
    expect(r.status).toBe(204);
    const now = (await call("GET", `/api/deployments/${d.id}`)).body.schedules as J[];
    expect(now).toHaveLength(1);
    expect(now[0].schedule.cron).toBe("*/5 * * * *");
    expect(d.schedules.map((s: J) => s.id)).not.toContain(now[0].id);
    const bad = await call("PATCH", `/api/deployments/${d.id}`, { schedules: [{ schedule: { interval: -1 } }] });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0].loc).toEqual(["body", "schedules", 0, "schedule", "interval"]);
  });

  test("DELETE answers 204 then 404, deletes its Scheduled runs, keeps its finished ones, announces deleted", async () => {
    const d = await deploy({ name: "doomed", schedules: [{ schedule: { interval: 3600 } }] });
    await t.app.services.scheduler.runOnce();
    const manual = (await post(`/api/deployments/${d.id}/create_flow_run`, {})).body.id;
    const done = (await post(`/api/deployments/${d.id}/create_flow_run`, { state: { type: "COMPLETED" } })).body.id;
    expect((await runsOf(d.id)).length).toBeGreaterThan(3);

    expect((await call("DELETE", `/api/deployments/${d.id}`)).status).toBe(204);
    expect((await call("GET", `/api/deployments/${d.id}`)).status).toBe(404);
    expect((await call("DELETE", `/api/deployments/${d.id}`)).status).toBe(404);
    expect((await runsOf(d.id)).map((r) => r.id)).toEqual([done]);
    expect((await call("GET", `/api/flow_runs/${manual}`)).status).toBe(404);
    const deleted = eventsFor(d.id, "prefect.deployment.deleted");
    expect(deleted).toHaveLength(1);
    expect(deleted[0].resource["prefect.resource.name"]).toBe("doomed");
    expect(deleted[0].related[0]["prefect.resource.id"]).toBe(`prefect.flow.${flowId}`);
  });

  test("bulk_delete deletes what its filter selects, at most `limit`, and refuses a limit above 50", async () => {
    const made = [];
    for (const n of [1, 2, 3]) made.push((await deploy({ name: `bulk-${n}`, tags: ["bulk"] })).id);
    const survivor = await deploy({ name: "bulk-survivor" });
    const before = await count();
    const filter = { tags: { all_: ["bulk"] } };
    const first = await post("/api/deployments/bulk_delete", { deployments: filter, limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.deleted).toHaveLength(2);
    expect(await count()).toBe(before - 2);
    const rest = await post("/api/deployments/bulk_delete", { deployments: filter });
    expect([...first.body.deleted, ...rest.body.deleted].sort()).toEqual(made.sort());
    for (const id of made) expect(eventsFor(id, "prefect.deployment.deleted")).toHaveLength(1);
    expect((await call("GET", `/api/deployments/${survivor.id}`)).status).toBe(200);
    expect((await post("/api/deployments/bulk_delete", { deployments: filter, limit: 51 })).status).toBe(422);
  });
});

describe.each(DIALECTS)("deployment filters without work pools on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const count = async (path: string, json: unknown) => {
    const r = await t.call(path, { method: "POST", json });
    expect(r.status).toBe(200);
    return (await r.json()) as number;
  };
  beforeAll(async () => {
    t = await testApp({}, await url());
    const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "no-pools" } })).json()) as any;
    for (const [name, limit] of [
      ["a", 5],
      ["b", null],
    ] as const)
      await t.call("/api/deployments/", { method: "POST", json: { flow_id: flow.id, name, concurrency_limit: limit } });
    await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flow.id } });
  });
  afterAll(() => t.close());

  test("a filter naming a work pool matches nothing; one naming none matches as if absent", async () => {
    expect(await count("/api/deployments/count", {})).toBe(2);
    expect(await count("/api/deployments/count", { work_pools: { name: { any_: ["nope"] } } })).toBe(0);
    expect(await count("/api/deployments/count", { work_pools: { operator: "and_" } })).toBe(2);
    expect(await count("/api/deployments/count", { work_pool_queues: { id: { any_: [crypto.randomUUID()] } } })).toBe(
      0,
    );
    expect(await count("/api/flow_runs/count", { work_pools: { id: { any_: [crypto.randomUUID()] } } })).toBe(0);
    expect(await count("/api/flow_runs/count", { work_pools: {} })).toBe(1);
    // Empty lists match nothing (found by the fuzzer: they were an SQL syntax error, a 500).
    expect(await count("/api/deployments/count", { work_pool_queues: { id: { any_: [] } } })).toBe(0);
    expect(await count("/api/deployments/count", { work_pool_queues: { name: { any_: [] } } })).toBe(0);
  });

  test("the deprecated concurrency_limit filter is accepted and filters nothing, as Prefect's", async () => {
    expect(await count("/api/deployments/count", { deployments: { concurrency_limit: { ge_: 5 } } })).toBe(2);
  });
});
