// Runs from deployments through app.handle on every dialect: create_flow_run (one and in bulk), the
// runner's get_scheduled_flow_runs poll and READY, pause/resume with the scheduler service, the
// /deployments/{id}/schedules routes, and the UI's per-flow counts and next runs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

const SCHEMA = {
  type: "object",
  properties: { x: { type: "integer" }, who: { type: "string", default: "world" } },
  required: ["x"],
};
const NO_PARAMETERS = { type: "object", properties: {} };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe.each(DIALECTS)("runs from deployments on $name", ({ url }) => {
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
    if (r.status !== 201) throw new Error(`deploy: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as J;
  };
  const runsOf = async (deploymentId: string, extra: J = {}) =>
    (
      await post("/api/flow_runs/filter", {
        flow_runs: { deployment_id: { any_: [deploymentId] }, ...extra },
        sort: "NEXT_SCHEDULED_START_TIME_ASC",
      })
    ).body as J[];
  const scheduledRuns = (deploymentId: string) => runsOf(deploymentId, { state: { type: { any_: ["SCHEDULED"] } } });
  const runAt = async (deploymentId: string, secondsFromNow: number) =>
    (
      await post(`/api/deployments/${deploymentId}/create_flow_run`, {
        state: { type: "SCHEDULED", state_details: { scheduled_time: inSeconds(secondsFromNow) } },
      })
    ).body.id as string;
  const schedulerPass = () => t.app.services.scheduler.runOnce();

  beforeAll(async () => {
    t = await testApp({}, await url());
    t.app.bus.subscribe((es) => events.push(...es));
    flowId = (await post("/api/flows/", { name: "runner-flow" })).body.id;
  });
  afterAll(() => t.close());

  test("create_flow_run: parameters merged under the request's, tags and labels, Scheduled now, idempotent", async () => {
    const d = await deploy({
      name: "runnable",
      version: "v7",
      parameters: { x: 1, keep: "me" },
      parameter_openapi_schema: { ...SCHEMA, properties: { ...SCHEMA.properties, keep: { type: "string" } } },
      tags: ["dep", "shared"],
      labels: { team: "data" },
      work_queue_name: "q",
    });
    const flowRun = (await post("/api/flow_runs/", { flow_id: flowId })).body.id;
    const parent = (await post("/api/task_runs/", { flow_run_id: flowRun, task_key: "sub", dynamic_key: "0" })).body.id;
    const body = {
      parameters: { x: 2, who: "you" },
      tags: ["shared", "mine"],
      labels: { extra: "yes" },
      idempotency_key: "once",
      parent_task_run_id: parent,
    };
    const a = await post(`/api/deployments/${d.id}/create_flow_run`, body);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      flow_id: flowId,
      deployment_id: d.id,
      deployment_version: "v7",
      parameters: { x: 2, keep: "me", who: "you" },
      parent_task_run_id: parent,
      work_queue_name: "q",
      state_type: "SCHEDULED",
      state: { type: "SCHEDULED", name: "Scheduled" },
      labels: { team: "data", extra: "yes", "prefect.flow.id": flowId, "prefect.deployment.id": d.id },
    });
    expect([...a.body.tags].sort()).toEqual(["dep", "mine", "shared"]);
    expect(Date.parse(a.body.next_scheduled_start_time)).toBeLessThanOrEqual(Date.now());
    const again = await post(`/api/deployments/${d.id}/create_flow_run`, body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(a.body.id);
    expect(await runsOf(d.id)).toHaveLength(1);

    const plain = await post(`/api/deployments/${d.id}/create_flow_run`);
    expect(plain.status).toBe(201);
    expect(plain.body.parameters).toEqual({ x: 1, keep: "me" });
    expect([...plain.body.tags].sort()).toEqual(["dep", "shared"]);
    const running = await post(`/api/deployments/${d.id}/create_flow_run`, { state: { type: "RUNNING" } });
    expect(running.body.state_type).toBe("RUNNING");
  });

  test("create_flow_run refuses parameters the schema does not take (422 naming them) and makes no run", async () => {
    const d = await deploy({ name: "strict", parameters: { x: 1 }, parameter_openapi_schema: SCHEMA });
    const bad = await post(`/api/deployments/${d.id}/create_flow_run`, { parameters: { x: "one" } });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail.map((e: J) => e.loc)).toContainEqual(["body", "parameters", "x"]);
    const missing = await post(`/api/deployments/${d.id}/create_flow_run`, { parameters: { x: null } });
    expect(missing.status).toBe(422);
    expect(await runsOf(d.id)).toHaveLength(0);
    const unchecked = await post(`/api/deployments/${d.id}/create_flow_run`, {
      parameters: { x: "one" },
      enforce_parameter_schema: false,
    });
    expect(unchecked.status).toBe(201);
    expect((await post(`/api/deployments/${crypto.randomUUID()}/create_flow_run`)).status).toBe(404);
  });

  test("create_flow_run/bulk: a result per request, CREATED or FAILED; at most 100; 404 for no deployment", async () => {
    const d = await deploy({ name: "bulk-runs", parameter_openapi_schema: SCHEMA });
    const r = await post(`/api/deployments/${d.id}/create_flow_run/bulk`, [
      { parameters: { x: 1 } },
      { parameters: { x: "nope" } },
      { parameters: { x: 3 }, tags: ["third"] },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: J) => x.status)).toEqual(["CREATED", "FAILED", "CREATED"]);
    expect(r.body.results[1]).toMatchObject({ flow_run_id: null });
    expect(r.body.results[1].error).toContain("x");
    const runs = await runsOf(d.id);
    expect(runs.map((x) => x.id).sort()).toEqual([r.body.results[0].flow_run_id, r.body.results[2].flow_run_id].sort());
    const tooMany = await post(
      `/api/deployments/${d.id}/create_flow_run/bulk`,
      Array.from({ length: 101 }, () => ({ parameters: { x: 1 } })),
    );
    expect(tooMany.status).toBeGreaterThanOrEqual(400);
    expect(tooMany.status).toBeLessThan(500);
    expect(await runsOf(d.id)).toHaveLength(2);
    expect((await post(`/api/deployments/${crypto.randomUUID()}/create_flow_run/bulk`, [])).status).toBe(404);
  });

  test("get_scheduled_flow_runs: Scheduled runs of the given deployments due by scheduled_before, earliest first", async () => {
    const a = await deploy({ name: "poll-a" });
    const b = await deploy({ name: "poll-b" });
    const other = await deploy({ name: "poll-other" });
    const aLate = await runAt(a.id, -60);
    const aSoon = await runAt(a.id, 30);
    const aLater = await runAt(a.id, 3600);
    const bLate = await runAt(b.id, -30);
    await runAt(other.id, -90);
    await post(`/api/deployments/${a.id}/create_flow_run`, { state: { type: "RUNNING" } });

    // The runner sends Python's str(datetime): a space, not a T.
    const before = inSeconds(60).replace("T", " ").replace("Z", "+00:00");
    const poll = async (extra: J = {}) => {
      const r = await post("/api/deployments/get_scheduled_flow_runs", {
        deployment_ids: [a.id, b.id],
        scheduled_before: before,
        ...extra,
      });
      expect(r.status).toBe(200);
      return (r.body as J[]).map((x) => x.id);
    };
    expect(await poll()).toEqual([aLate, bLate, aSoon]);
    expect(await poll({ limit: 2 })).toEqual([aLate, bLate]);
    expect(await poll({ scheduled_before: undefined })).toEqual([aLate, bLate, aSoon, aLater]);

    const read = async (id: string) => (await call("GET", `/api/deployments/${id}`)).body as J;
    for (const id of [a.id, b.id]) {
      const now = await read(id);
      expect(now.status).toBe("READY");
      expect(Date.now() - Date.parse(now.last_polled)).toBeLessThan(60_000);
    }
    expect(await read(other.id)).toMatchObject({ status: "NOT_READY", last_polled: null });
    const ready = events.filter((e) => e.event === "prefect.deployment.ready");
    expect(ready.filter((e) => e.resource["prefect.resource.id"] === `prefect.deployment.${a.id}`)).toHaveLength(1);
    expect(ready.filter((e) => e.resource["prefect.resource.id"] === `prefect.deployment.${b.id}`)).toHaveLength(1);
    expect(ready[0].related).toContainEqual({
      "prefect.resource.id": `prefect.flow.${flowId}`,
      "prefect.resource.name": "runner-flow",
      "prefect.resource.role": "flow",
    });
  });

  test("pause deletes the auto-scheduled runs and stops the scheduler; resume lets it schedule again", async () => {
    const d = await deploy({
      name: "pausable",
      schedules: [{ schedule: { interval: 3600, anchor_date: inSeconds(-300) } }],
    });
    await schedulerPass();
    const auto = await scheduledRuns(d.id);
    expect(auto.length).toBeGreaterThanOrEqual(3);
    expect(auto.every((r) => r.auto_scheduled && r.tags.includes("auto-scheduled"))).toBe(true);
    const manual = await runAt(d.id, 600);
    // Late auto-scheduled runs too (POST /schedule from ten minutes ago): pausing deletes them as well.
    const tenMinutesAgo = inSeconds(-600);
    const asked = { start_time: tenMinutesAgo, end_time: inSeconds(-60), min_runs: 2, max_runs: 2, min_time: 0 };
    expect((await post(`/api/deployments/${d.id}/schedule`, asked)).status).toBe(200);
    const late = (await scheduledRuns(d.id)).filter((r) => Date.parse(r.next_scheduled_start_time) < Date.now());
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.auto_scheduled)).toBe(true);

    expect((await post(`/api/deployments/${d.id}/pause_deployment`)).status).toBe(200);
    expect((await call("GET", `/api/deployments/${d.id}`)).body.paused).toBe(true);
    expect((await scheduledRuns(d.id)).map((r) => r.id)).toEqual([manual]);
    await schedulerPass();
    expect((await scheduledRuns(d.id)).map((r) => r.id)).toEqual([manual]);

    expect((await post(`/api/deployments/${d.id}/resume_deployment`)).status).toBe(200);
    expect((await call("GET", `/api/deployments/${d.id}`)).body.paused).toBe(false);
    await schedulerPass();
    expect((await scheduledRuns(d.id)).filter((r) => r.auto_scheduled).length).toBeGreaterThanOrEqual(3);

    expect((await post(`/api/deployments/${crypto.randomUUID()}/pause_deployment`)).status).toBe(404);
    expect((await post(`/api/deployments/${crypto.randomUUID()}/resume_deployment`)).status).toBe(404);
  });

  test("the scheduler makes runs for active schedules only: none for an inactive one until it is activated", async () => {
    const d = await deploy({ name: "inactive", schedules: [{ schedule: { interval: 3600 }, active: false }] });
    await schedulerPass();
    expect(await scheduledRuns(d.id)).toHaveLength(0);
    const scheduleId = d.schedules[0].id;
    expect((await call("PATCH", `/api/deployments/${d.id}/schedules/${scheduleId}`, { active: true })).status).toBe(
      204,
    );
    await schedulerPass();
    const runs = await scheduledRuns(d.id);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs[0].created_by).toMatchObject({ id: scheduleId, type: "SCHEDULE" });
  });

  test("/deployments/{id}/schedules: read, create (201; a slug taken is 409), update, delete", async () => {
    const d = await deploy({ name: "with-schedules", schedules: [{ slug: "hourly", schedule: { interval: 3600 } }] });
    const list = async () => (await call("GET", `/api/deployments/${d.id}/schedules`)).body as J[];
    expect((await list()).map((s) => s.slug)).toEqual(["hourly"]);
    expect((await call("GET", `/api/deployments/${crypto.randomUUID()}/schedules`)).status).toBe(404);

    const made = await post(`/api/deployments/${d.id}/schedules`, [
      { slug: "daily", schedule: { cron: "0 9 * * *", timezone: "Europe/Paris" } },
    ]);
    expect(made.status).toBe(201);
    expect(made.body[0]).toMatchObject({ deployment_id: d.id, slug: "daily", active: true });
    expect((await list()).map((s) => s.slug)).toEqual(["hourly", "daily"]);

    const taken = await post(`/api/deployments/${d.id}/schedules`, [
      { slug: "fresh", schedule: { interval: 60 } },
      { slug: "hourly", schedule: { interval: 60 } },
    ]);
    expect(taken.status).toBe(409);
    const badCron = await post(`/api/deployments/${d.id}/schedules`, [{ schedule: { cron: "99 * * * *" } }]);
    expect(badCron.status).toBe(422);
    expect(badCron.body.exception_detail[0].loc).toEqual(["body", 0, "schedule", "cron"]);
    expect((await list()).map((s) => s.slug)).toEqual(["hourly", "daily"]);
    expect((await post(`/api/deployments/${crypto.randomUUID()}/schedules`, [])).status).toBe(404);

    await schedulerPass();
    const [hourly, daily] = await list();
    const byHourly = async () => (await scheduledRuns(d.id)).filter((r) => r.created_by?.id === hourly.id);
    const byDaily = async () => (await scheduledRuns(d.id)).filter((r) => r.created_by?.id === daily.id);
    expect((await byHourly()).length).toBeGreaterThan(0);
    expect((await byDaily()).length).toBeGreaterThan(0);

    const off = await call("PATCH", `/api/deployments/${d.id}/schedules/${hourly.id}`, { active: false });
    expect(off.status).toBe(204);
    expect((await list()).find((s) => s.id === hourly.id)?.active).toBe(false);
    expect(await byHourly()).toHaveLength(0);
    expect((await call("PATCH", `/api/deployments/${d.id}/schedules/${crypto.randomUUID()}`, {})).status).toBe(404);

    const stranger = await deploy({ name: "stranger", schedules: [{ schedule: { interval: 60 } }] });
    const foreign = stranger.schedules[0].id;
    expect((await call("DELETE", `/api/deployments/${d.id}/schedules/${foreign}`)).status).toBe(404);
    expect((await call("PATCH", `/api/deployments/${d.id}/schedules/${foreign}`, { active: false })).status).toBe(404);
    expect((await call("GET", `/api/deployments/${stranger.id}/schedules`)).body[0]).toMatchObject({
      id: foreign,
      active: true,
    });
    expect((await call("DELETE", `/api/deployments/${d.id}/schedules/${daily.id}`)).status).toBe(204);
    expect((await list()).map((s) => s.slug)).toEqual(["hourly"]);
    expect(await byDaily()).toHaveLength(0);
  });

  test("/ui/flows/count-deployments and /ui/flows/next-runs answer for every flow asked about", async () => {
    const busy = (await post("/api/flows/", { name: "ui-busy" })).body.id;
    const idle = (await post("/api/flows/", { name: "ui-idle" })).body.id;
    const unknown = crypto.randomUUID();
    const one = await deploy({ flow_id: busy, name: "ui-one" });
    await deploy({ flow_id: busy, name: "ui-two" });
    await runAt(one.id, 900);
    const soonest = await runAt(one.id, 300);
    await post(`/api/deployments/${one.id}/create_flow_run`, { state: { type: "COMPLETED" } });

    const counts = await post("/api/ui/flows/count-deployments", { flow_ids: [busy, idle, unknown] });
    expect(counts.status).toBe(200);
    expect(counts.body).toEqual({ [busy]: 2, [idle]: 0, [unknown]: 0 });

    const next = await post("/api/ui/flows/next-runs", { flow_ids: [busy, idle] });
    expect(next.status).toBe(200);
    expect(next.body[idle]).toBeNull();
    const run = (await call("GET", `/api/flow_runs/${soonest}`)).body;
    expect(next.body[busy]).toMatchObject({
      id: soonest,
      flow_id: busy,
      name: run.name,
      state_type: "SCHEDULED",
      state_name: "Scheduled",
      next_scheduled_start_time: run.next_scheduled_start_time,
    });
  });
});

// Found by review: each failed before its fix (store/deployments.ts, api/deployments.ts).
describe.each(DIALECTS)("deployment fixes on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "fixes" })).body.id;
  });
  afterAll(() => t.close());

  test("a deployment created without parameter_openapi_schema stores {} and can be run (enforcement on)", async () => {
    const d = (await post("/api/deployments/", { flow_id: flowId, name: "no-schema", parameters: { n: 1 } })).body;
    expect(d.enforce_parameter_schema).toBe(true);
    expect(d.parameter_openapi_schema).toEqual({});
    const run = await post(`/api/deployments/${d.id}/create_flow_run`, {});
    expect(run.status).toBe(201);
    expect(run.body.parameters).toEqual({ n: 1 });
  });

  test("create_flow_run/bulk with more than 100 runs is Prefect's 400", async () => {
    const d = (await post("/api/deployments/", { flow_id: flowId, name: "bulk-limit" })).body;
    const r = await post(
      `/api/deployments/${d.id}/create_flow_run/bulk`,
      Array.from({ length: 101 }, () => ({})),
    );
    expect(r.status).toBe(400);
    expect(r.body.detail).toBe("Cannot create more than 100 flow runs at once.");
  });

  test("a /schedule window the schedules cannot compute is a 422, never a 500", async () => {
    const d = (
      await post("/api/deployments/", { flow_id: flowId, name: "far", schedules: [{ schedule: { interval: 60 } }] })
    ).body;
    for (const body of [
      { min_time: 1e300 },
      { start_time: "9999-12-31T00:00:00Z" },
      { end_time: "1200-01-01T00:00:00Z" },
    ]) {
      const r = await post(`/api/deployments/${d.id}/schedule`, body);
      expect({ body, status: r.status }).toEqual({ body, status: 422 });
    }
    // A paused deployment is backfilled on request, as Prefect's schedule_runs does.
    await post(`/api/deployments/${d.id}/pause_deployment`);
    const window = { start_time: inSeconds(-3600), end_time: inSeconds(-60), min_runs: 5, max_runs: 5, min_time: 0 };
    expect((await post(`/api/deployments/${d.id}/schedule`, window)).status).toBe(200);
    const runs = (await post("/api/flow_runs/filter", { deployments: { id: { any_: [d.id] } } })).body;
    expect(runs.length).toBe(5);
  });

  test("deleting a schedule deletes its late auto-scheduled runs too, so a runner never picks them up", async () => {
    const d = (
      await post("/api/deployments/", {
        flow_id: flowId,
        name: "late-schedule",
        schedules: [{ slug: "every-minute", schedule: { interval: 60, anchor_date: inSeconds(-600) } }],
      })
    ).body;
    const window = { start_time: inSeconds(-600), end_time: inSeconds(-30), min_runs: 3, max_runs: 3, min_time: 0 };
    await post(`/api/deployments/${d.id}/schedule`, window);
    const poll = async () => (await post("/api/deployments/get_scheduled_flow_runs", { deployment_ids: [d.id] })).body;
    expect((await poll()).length).toBe(3);
    expect((await call("DELETE", `/api/deployments/${d.id}/schedules/${d.schedules[0].id}`)).status).toBe(204);
    expect(await poll()).toEqual([]);
  });
});

describe.each(DIALECTS)("hostile parameter schemas on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = ((await (await t.call("/api/flows/", { method: "POST", json: { name: "hostile" } })).json()) as any).id;
  });
  afterAll(() => t.close());

  test("a schema with a catastrophic pattern is refused when stored, even without parameters", async () => {
    const schema = {
      type: "object",
      properties: { x: { type: "array", items: { type: "string", pattern: "^(\\w+\\s?)*$" } } },
    };
    const created = await t.call("/api/deployments/", {
      method: "POST",
      json: { flow_id: flowId, name: "redos", parameter_openapi_schema: schema },
    });
    expect(created.status).toBe(422);
    const count = await t.call("/api/deployments/count", { method: "POST", json: {} });
    expect(await count.json()).toBe(0);
    const ok = (await (
      await t.call("/api/deployments/", { method: "POST", json: { flow_id: flowId, name: "fine" } })
    ).json()) as any;
    const patched = await t.call(`/api/deployments/${ok.id}`, {
      method: "PATCH",
      json: { parameter_openapi_schema: schema },
    });
    expect(patched.status).toBe(422);
  });
});

describe.each(DIALECTS)("PATCH re-checks stored parameters against a new schema on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({}, await url());
  });
  afterAll(() => t.close());

  test("a new schema the stored parameters do not fit is refused; a fitting one is stored", async () => {
    const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "rechecked" } })).json()) as any;
    const d = (await (
      await t.call("/api/deployments/", {
        method: "POST",
        json: { flow_id: flow.id, name: "d", parameters: { n: "text" }, enforce_parameter_schema: true },
      })
    ).json()) as any;
    const strict = { type: "object", properties: { n: { type: "integer" } } };
    const refused = await t.call(`/api/deployments/${d.id}`, {
      method: "PATCH",
      json: { parameter_openapi_schema: strict },
    });
    expect(refused.status).toBe(422);
    const same = (await (await t.call(`/api/deployments/${d.id}`)).json()) as any;
    expect(same.parameter_openapi_schema).toEqual({});
    const both = await t.call(`/api/deployments/${d.id}`, {
      method: "PATCH",
      json: { parameter_openapi_schema: strict, parameters: { n: 3 } },
    });
    expect(both.status).toBe(204);
  });
});

describe.each(DIALECTS)("schedule routes name what is missing on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({}, await url());
  });
  afterAll(() => t.close());

  test("a missing deployment is 'Deployment not found', a missing schedule 'Schedule not found'", async () => {
    const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "named" } })).json()) as any;
    const d = (await (
      await t.call("/api/deployments/", { method: "POST", json: { flow_id: flow.id, name: "d" } })
    ).json()) as any;
    const missing = crypto.randomUUID();
    for (const method of ["PATCH", "DELETE"]) {
      const json = method === "PATCH" ? { active: false } : undefined;
      const noDeployment = await t.call(`/api/deployments/${missing}/schedules/${missing}`, { method, json });
      expect([noDeployment.status, ((await noDeployment.json()) as any).detail]).toEqual([404, "Deployment not found"]);
      const noSchedule = await t.call(`/api/deployments/${d.id}/schedules/${missing}`, { method, json });
      expect([noSchedule.status, ((await noSchedule.json()) as any).detail]).toEqual([404, "Schedule not found"]);
    }
  });
});
