// /api/work_pools and /api/work_queues through app.handle on every dialect: pools and their refusals,
// status with its events, queues and Prefect's priority rules, workers, the legacy queue routes, and
// where deployments and runs are placed. What a poll hands out: work-pool-runs.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

/** The shape of the process worker's template, cut down. */
const TEMPLATE = {
  job_configuration: { command: "{{ command }}", env: "{{ env }}" },
  variables: { type: "object", properties: { command: { type: "string" }, env: { type: "object" } } },
};

describe.each(DIALECTS)("work pools API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const events: ReceivedEvent[] = [];

  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const pool = async (name: string, extra: J = {}) => {
    const r = await post("/api/work_pools/", { name, type: "process", ...extra });
    if (r.status !== 201) throw new Error(`pool: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as J;
  };
  const eventsOf = (resource: string) =>
    events.filter((e) => e.resource["prefect.resource.id"] === resource).map((e) => e.event);
  const queuesOf = async (name: string) =>
    ((await post(`/api/work_pools/${name}/queues/filter`)).body as J[]).map((q) => [q.name, q.priority]);

  beforeAll(async () => {
    t = await testApp({}, await url());
    t.app.bus.subscribe((es) => events.push(...es));
  });
  afterAll(() => t.close());

  test("create answers 201 with the default queue and Prefect's defaults, and its events", async () => {
    const p = await pool("alpha", { base_job_template: TEMPLATE, description: "first" });
    expect(p).toMatchObject({
      name: "alpha",
      type: "process",
      description: "first",
      is_paused: false,
      concurrency_limit: null,
      active_slots: null,
      status: "NOT_READY",
      base_job_template: TEMPLATE,
      storage_configuration: { bundle_upload_step: null, default_result_storage_block_id: null },
    });
    const read = (await call("GET", "/api/work_pools/alpha")).body;
    expect(read).toEqual(p);
    const queues = (await post("/api/work_pools/alpha/queues/filter")).body as J[];
    expect(queues).toMatchObject([{ id: p.default_queue_id, name: "default", priority: 1, work_pool_name: "alpha" }]);
    expect(eventsOf(`prefect.work-pool.${p.id}`)).toEqual(["prefect.work-pool.created", "prefect.work-pool.not-ready"]);
    expect(eventsOf(`prefect.work-queue.${p.default_queue_id}`)).toEqual(["prefect.work-queue.created"]);
    const limited = await pool("limited", { concurrency_limit: 2, is_paused: true });
    expect(limited).toMatchObject({ concurrency_limit: 2, active_slots: 0, status: "PAUSED", is_paused: true });
  });

  test("refusals: reserved and duplicate names, bad characters, negative limits, malformed templates", async () => {
    const before = (await post("/api/work_pools/count")).body;
    for (const name of ["prefect-managed", "Prefect", "PREFECTx"])
      expect(await post("/api/work_pools/", { name, type: "process" })).toEqual({
        status: 403,
        body: { detail: "Work pools starting with 'Prefect' are reserved for internal use." },
      });
    expect(await post("/api/work_pools/", { name: "alpha" })).toEqual({
      status: 409,
      body: { detail: "A work pool with this name already exists." },
    });
    expect((await post("/api/work_pools/", { name: "a/b" })).status).toBe(422);
    expect((await post("/api/work_pools/", { name: "" })).status).toBe(422);
    expect((await post("/api/work_pools/", { name: "neg", concurrency_limit: -1 })).status).toBe(422);
    expect((await post("/api/work_pools/", { name: "t", base_job_template: "x" })).status).toBe(422);
    const half = await post("/api/work_pools/", { name: "t", base_job_template: { variables: {} } });
    expect(half.status).toBe(422);
    expect(JSON.stringify(half.body)).toContain("must contain both a `job_configuration` key and a `variables` key");
    const undeclared = await post("/api/work_pools/", {
      name: "t",
      base_job_template: { job_configuration: { x: "{{ nope }}" }, variables: { properties: { y: {} } } },
    });
    expect(undeclared.status).toBe(422);
    expect(JSON.stringify(undeclared.body)).toContain("undeclared variable(s): nope");
    // A variables schema that would stall every deployment's check is refused when stored.
    const hostile = await post("/api/work_pools/", {
      name: "t",
      base_job_template: {
        job_configuration: { x: "{{ x }}" },
        variables: { properties: { x: { type: "string", pattern: "^(a+)+$" } } },
      },
    });
    expect(hostile.status).toBe(422);
    expect(JSON.stringify(hostile.body)).toContain("base_job_template");
    expect((await post("/api/work_pools/count")).body).toBe(before);
    expect(await call("PATCH", "/api/work_pools/alpha", { concurrency_limit: -3 })).toMatchObject({ status: 422 });
    expect(await call("GET", "/api/work_pools/missing")).toEqual({
      status: 404,
      body: { detail: 'Work pool "missing" not found.' },
    });
    expect((await call("PATCH", "/api/work_pools/missing", { description: "x" })).status).toBe(404);
    expect((await call("DELETE", "/api/work_pools/prefect-x")).status).toBe(403);
  });

  test("update writes what it names; pause and resume set the status with their events", async () => {
    const p = await pool("beta");
    expect((await call("PATCH", "/api/work_pools/beta", { description: "d", concurrency_limit: 3 })).status).toBe(204);
    expect((await call("GET", "/api/work_pools/beta")).body).toMatchObject({
      description: "d",
      concurrency_limit: 3,
      active_slots: 0,
      type: "process",
      status: "NOT_READY",
    });
    await call("PATCH", "/api/work_pools/beta", { is_paused: true });
    expect((await call("GET", "/api/work_pools/beta")).body).toMatchObject({ is_paused: true, status: "PAUSED" });
    // A heartbeat while paused leaves it paused; unpausing with an online worker makes it READY.
    expect((await post("/api/work_pools/beta/workers/heartbeat", { name: "w1" })).status).toBe(204);
    expect((await call("GET", "/api/work_pools/beta")).body.status).toBe("PAUSED");
    await call("PATCH", "/api/work_pools/beta", { is_paused: false });
    expect((await call("GET", "/api/work_pools/beta")).body.status).toBe("READY");
    const poolEvents = events.filter((e) => e.resource["prefect.resource.id"] === `prefect.work-pool.${p.id}`);
    expect(poolEvents.map((e) => e.event)).toEqual([
      "prefect.work-pool.created",
      "prefect.work-pool.not-ready",
      "prefect.work-pool.updated",
      "prefect.work-pool.paused",
      "prefect.work-pool.ready",
    ]);
    expect(poolEvents[2]!.payload).toEqual({
      updated_fields: ["description", "concurrency_limit"],
      updates: { description: { from: null, to: "d" }, concurrency_limit: { from: null, to: 3 } },
    });
    // Status events follow the one before them.
    expect(poolEvents[3]!.follows).toBe(poolEvents[1]!.id);
    expect(poolEvents[4]!.follows).toBe(poolEvents[3]!.id);
    // The worker is found by the SDK's filter.
    const workers = (await post("/api/work_pools/beta/workers/filter", { workers: { status: { any_: ["ONLINE"] } } }))
      .body as J[];
    expect(workers).toMatchObject([
      { name: "w1", work_pool_id: p.id, status: "ONLINE", heartbeat_interval_seconds: null },
    ]);
  });

  test("filter and count by name and type; delete takes queues and workers, with their events", async () => {
    await pool("gamma");
    await post("/api/work_pools/", { name: "delta", type: "docker" });
    const names = async (body: J) => ((await post("/api/work_pools/filter", body)).body as J[]).map((p) => p.name);
    expect(await names({ work_pools: { name: { any_: ["gamma", "delta"] } } })).toEqual(["delta", "gamma"]);
    expect(await names({ work_pools: { type: { any_: ["docker"] } } })).toEqual(["delta"]);
    expect(await names({ limit: 1, offset: 1 })).toHaveLength(1);
    expect((await post("/api/work_pools/count", { work_pools: { type: { any_: ["docker"] } } })).body).toBe(1);
    const g = (await call("GET", "/api/work_pools/gamma")).body;
    await post("/api/work_pools/gamma/queues", { name: "extra" });
    await post("/api/work_pools/gamma/workers/heartbeat", { name: "w" });
    expect((await call("DELETE", "/api/work_pools/gamma")).status).toBe(204);
    expect((await call("GET", "/api/work_pools/gamma")).status).toBe(404);
    expect((await post("/api/work_pools/gamma/workers/filter")).status).toBe(404);
    expect(eventsOf(`prefect.work-pool.${g.id}`).at(-1)).toBe("prefect.work-pool.deleted");
    expect(eventsOf(`prefect.work-queue.${g.default_queue_id}`)).toEqual([
      "prefect.work-queue.created",
      "prefect.work-queue.deleted",
    ]);
    expect((await call("DELETE", "/api/work_pools/gamma")).status).toBe(404);
  });

  test("queues take the first free priority; a given one shifts the others down, keeping them unique", async () => {
    await pool("prio");
    await post("/api/work_pools/prio/queues", { name: "b" });
    await post("/api/work_pools/prio/queues", { name: "c" });
    expect(await queuesOf("prio")).toEqual([
      ["default", 1],
      ["b", 2],
      ["c", 3],
    ]);
    const a = await post("/api/work_pools/prio/queues", { name: "a", priority: 1, concurrency_limit: 2 });
    expect(a).toMatchObject({ status: 201, body: { name: "a", priority: 1, concurrency_limit: 2, active_slots: 0 } });
    expect(await queuesOf("prio")).toEqual([
      ["a", 1],
      ["default", 2],
      ["b", 3],
      ["c", 4],
    ]);
    expect((await call("PATCH", "/api/work_pools/prio/queues/c", { priority: 2 })).status).toBe(204);
    expect(await queuesOf("prio")).toEqual([
      ["a", 1],
      ["c", 2],
      ["default", 3],
      ["b", 4],
    ]);
    // Deleting one leaves a gap the next queue fills.
    expect((await call("DELETE", "/api/work_pools/prio/queues/c")).status).toBe(204);
    await post("/api/work_pools/prio/queues", { name: "e" });
    expect((await queuesOf("prio")).find(([n]) => n === "e")).toEqual(["e", 2]);
    // Refusals.
    expect((await post("/api/work_pools/prio/queues", { name: "a" })).status).toBe(409);
    expect((await post("/api/work_pools/prio/queues", { name: "z", priority: 0 })).status).toBe(422);
    expect((await post("/api/work_pools/prio/queues", { name: "z", concurrency_limit: -1 })).status).toBe(422);
    expect((await post("/api/work_pools/prio/queues", { name: "x>y" })).status).toBe(422);
    expect((await post("/api/work_pools/nope/queues", { name: "z" })).body).toEqual({
      detail: 'Work pool "nope" not found.',
    });
    expect(await call("GET", "/api/work_pools/prio/queues/zz")).toEqual({
      status: 404,
      body: { detail: "Work pool queue 'prio/zz' not found." },
    });
    expect((await call("PATCH", "/api/work_pools/prio/queues/b", { name: "a" })).status).toBe(409);
    expect(await call("DELETE", "/api/work_pools/prio/queues/default")).toEqual({
      status: 409,
      body: { detail: "Can't delete a pool's default queue." },
    });
    expect(
      (await post("/api/work_pools/prio/queues/filter", { work_queues: { name: { startswith_: ["D"] } } })).body,
    ).toMatchObject([{ name: "default" }]);
  });

  test("queue pause and resume: PAUSED, then READY only when polled in the last minute", async () => {
    await pool("qp");
    const q = (await post("/api/work_pools/qp/queues", { name: "q" })).body as J;
    const status = async () => (await call("GET", `/api/work_queues/${q.id}`)).body.status;
    await call("PATCH", "/api/work_pools/qp/queues/q", { is_paused: true });
    expect(await status()).toBe("PAUSED");
    await call("PATCH", "/api/work_pools/qp/queues/q", { is_paused: false });
    expect(await status()).toBe("NOT_READY");
    await post("/api/work_pools/qp/get_scheduled_flow_runs", { work_queue_names: ["q"] });
    expect(await status()).toBe("READY");
    await call("PATCH", `/api/work_queues/${q.id}`, { is_paused: true });
    await call("PATCH", `/api/work_queues/${q.id}`, { is_paused: false });
    expect(await status()).toBe("READY");
    expect(eventsOf(`prefect.work-queue.${q.id}`)).toEqual([
      "prefect.work-queue.created",
      "prefect.work-queue.paused",
      "prefect.work-queue.not-ready",
      "prefect.work-queue.ready",
      "prefect.work-queue.paused",
      "prefect.work-queue.ready",
    ]);
    const st = (await call("GET", `/api/work_queues/${q.id}/status`)).body;
    expect(st).toMatchObject({ healthy: true, late_runs_count: 0, health_check_policy: { maximum_late_runs: 0 } });
  });

  test("top-level /work_queues: legacy queues live in the agents' pool; reads by id and by name", async () => {
    const legacy = await post("/api/work_queues/", { name: "old-style" });
    expect(legacy).toMatchObject({ status: 201, body: { name: "old-style", work_pool_name: "default-agent-pool" } });
    const agents = (await call("GET", "/api/work_pools/default-agent-pool")).body;
    expect(agents).toMatchObject({ type: "prefect-agent" });
    expect((await call("GET", "/api/work_queues/name/old-style")).body.id).toBe(legacy.body.id);
    expect((await call("GET", `/api/work_queues/${legacy.body.id}`)).body.name).toBe("old-style");
    const p = (await call("GET", "/api/work_pools/alpha")).body;
    const inPool = await post("/api/work_queues/", { name: "by-id", work_pool_id: p.id });
    expect(inPool.body).toMatchObject({ work_pool_id: p.id, work_pool_name: "alpha" });
    const all = (
      (await post("/api/work_queues/filter", { work_queues: { name: { any_: ["by-id", "old-style"] } } })).body as J[]
    ).map((q) => q.name);
    expect(all).toEqual(["by-id", "old-style"]);
    expect((await call("DELETE", `/api/work_queues/${inPool.body.id}`)).status).toBe(204);
    expect(await call("GET", `/api/work_queues/${inPool.body.id}`)).toEqual({
      status: 404,
      body: { detail: "work queue not found" },
    });
    expect((await post("/api/work_queues/", { name: "x", work_pool_id: crypto.randomUUID() })).status).toBe(404);
  });

  test("deployments are placed in queues by Prefect's rules and runs answer their pool", async () => {
    const p = await pool("placed");
    const flow = (await post("/api/flows/", { name: "placed-flow" })).body;
    const deploy = async (body: J) => (await post("/api/deployments/", { flow_id: flow.id, ...body })).body as J;
    const onDefault = await deploy({ name: "d1", work_pool_name: "placed" });
    expect(onDefault).toMatchObject({
      work_pool_name: "placed",
      work_queue_name: "default",
      work_queue_id: p.default_queue_id,
    });
    const onNew = await deploy({ name: "d2", work_pool_name: "placed", work_queue_name: "made-on-demand" });
    expect(onNew).toMatchObject({ work_pool_name: "placed", work_queue_name: "made-on-demand" });
    expect((await call("GET", "/api/work_pools/placed/queues/made-on-demand")).status).toBe(200);
    // Queues are never made with an empty or unsafe name (the fuzzer's find).
    const empty = await post("/api/deployments/", { flow_id: flow.id, name: "d-empty", work_queue_name: "" });
    expect(empty.body).toMatchObject({ work_queue_id: null, work_pool_name: null });
    const unsafe = await post("/api/deployments/", {
      flow_id: flow.id,
      name: "d-unsafe",
      work_pool_name: "placed",
      work_queue_name: "a/b",
    });
    expect(unsafe.status).toBe(422);
    expect((await post("/api/work_queues/filter", { work_queues: { name: { any_: ["", "a/b"] } } })).body).toEqual([]);
    const r = await post("/api/deployments/", { flow_id: flow.id, name: "d3", work_pool_name: "nowhere" });
    expect(r).toEqual({ status: 404, body: { detail: 'Work pool "nowhere" not found.' } });
    // Job variables must fit the pool's template (Prefect's 409); required keys come from its defaults.
    await pool("templated", {
      base_job_template: { ...TEMPLATE, variables: { ...TEMPLATE.variables, required: ["command"] } },
    });
    const ok = await post("/api/deployments/", {
      flow_id: flow.id,
      name: "d4",
      work_pool_name: "templated",
      job_variables: { env: {} },
    });
    expect(ok.status).toBe(201);
    const bad = await post("/api/deployments/", {
      flow_id: flow.id,
      name: "d5",
      work_pool_name: "templated",
      job_variables: { command: 5 },
    });
    expect(bad).toEqual({
      status: 409,
      body: {
        detail: "Error creating deployment: Validation failed for field 'command'. Failure reason: must be string",
      },
    });
    const patched = await call("PATCH", `/api/deployments/${ok.body.id}`, {
      work_pool_name: "templated",
      job_variables: { env: 1 },
    });
    expect(patched.status).toBe(409);
    expect((await post("/api/deployments/filter", { deployments: { name: { any_: ["d5"] } } })).body).toEqual([]);
    // A run of the deployment, and one asked into another queue of its pool.
    const run = (await post(`/api/deployments/${onDefault.id}/create_flow_run`)).body;
    expect(run).toMatchObject({ work_pool_id: p.id, work_pool_name: "placed", work_queue_name: "default" });
    const other = (await post(`/api/deployments/${onDefault.id}/create_flow_run`, { work_queue_name: "adhoc" })).body;
    expect(other).toMatchObject({ work_pool_name: "placed", work_queue_name: "adhoc" });
    // Filters through the pool.
    const ids = async (path: string, body: J) => ((await post(path, body)).body as J[]).map((x) => x.id).sort();
    expect(await ids("/api/flow_runs/filter", { work_pools: { name: { any_: ["placed"] } } })).toEqual(
      [run.id, other.id].sort(),
    );
    expect(await ids("/api/flow_runs/filter", { work_pools: { name: { any_: ["alpha"] } } })).toEqual([]);
    expect(await ids("/api/deployments/filter", { work_pools: { id: { any_: [p.id] } } })).toEqual(
      [onDefault.id, onNew.id].sort(),
    );
    // The run's state event names its queue by id and its pool (the worker's cancellation observer).
    const e = events.find((x) => x.resource["prefect.resource.id"] === `prefect.flow-run.${run.id}`)!;
    expect(e.related).toContainEqual({
      "prefect.resource.id": `prefect.work-pool.${p.id}`,
      "prefect.resource.name": "placed",
      "prefect.resource.role": "work-pool",
      "prefect.work-pool.type": "process",
    });
    expect(e.related).toContainEqual({
      "prefect.resource.id": `prefect.work-queue.${p.default_queue_id}`,
      "prefect.resource.name": "default",
      "prefect.resource.role": "work-queue",
    });
    // Deleting the pool leaves its runs and deployments, without a queue id.
    expect((await call("DELETE", "/api/work_pools/placed")).status).toBe(204);
    const after = (await call("GET", `/api/flow_runs/${run.id}`)).body;
    expect(after).toMatchObject({ work_queue_id: null, work_queue_name: "default", work_pool_name: null });
    expect((await call("GET", `/api/deployments/${onDefault.id}`)).body).toMatchObject({
      work_queue_id: null,
      work_pool_name: null,
    });
  });

  test("many workers waking a pool at once: READY once, one event", async () => {
    const p = await pool("crowd");
    const beats = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post("/api/work_pools/crowd/workers/heartbeat", { name: `w${i}` })),
    );
    // PostgreSQL: the waking one's status write must not deadlock with the others' worker inserts.
    expect(beats.map((b) => b.status)).toEqual(Array(20).fill(204));
    expect((await call("GET", "/api/work_pools/crowd")).body.status).toBe("READY");
    expect(eventsOf(`prefect.work-pool.${p.id}`).filter((e) => e === "prefect.work-pool.ready")).toHaveLength(1);
    expect((await post("/api/work_pools/crowd/workers/filter")).body).toHaveLength(20);
  });

  test("concurrent priority changes and deletes in one pool all land, priorities unique", async () => {
    await pool("busy");
    for (const q of ["a", "b", "c", "d", "e"]) await post("/api/work_pools/busy/queues", { name: q });
    const done = await Promise.all([
      ...["a", "b", "c", "d"].map((q) => call("PATCH", `/api/work_pools/busy/queues/${q}`, { priority: 1 })),
      call("DELETE", "/api/work_pools/busy/queues/e"),
    ]);
    expect(done.map((r) => r.status)).toEqual(Array(5).fill(204));
    const priorities = (await queuesOf("busy")).map(([, p]) => p);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(priorities).toHaveLength(5);
  });

  test("the agents' pool: made by a legacy queue with its events, READY on a heartbeat; bad bodies", async () => {
    const before = events.length;
    // (The agents' pool may exist from an earlier test: then only the queue is new.)
    const existed = (await call("GET", "/api/work_pools/default-agent-pool")).status === 200;
    const q = await post("/api/work_queues/", { name: "legacy-2" });
    expect(q.status).toBe(201);
    const made = events.slice(before).map((e) => e.event);
    expect(made).toContain("prefect.work-queue.created");
    if (!existed) expect(made).toContain("prefect.work-pool.created");
    expect((await post("/api/work_queues/", { name: "default" })).status).toBe(409);
    expect((await post("/api/work_pools/default-agent-pool/workers/heartbeat", { name: "agent" })).status).toBe(204);
    expect((await call("GET", "/api/work_pools/default-agent-pool")).body.status).toBe("READY");
    // Only the agents' pool's queues answer the legacy lookup by name.
    await post("/api/work_pools/alpha/queues", { name: "only-in-alpha" });
    expect((await call("GET", "/api/work_queues/name/only-in-alpha")).status).toBe(404);
    expect((await post("/api/work_pools/alpha/queues", { name: "huge", priority: 2 ** 31 - 1 })).status).toBe(422);
    expect((await post("/api/work_pools/alpha/concurrency_status", { page: 1e18 })).status).toBe(422);
    const qid = q.body.id;
    expect((await post(`/api/work_queues/${qid}/concurrency_status`, { page: 1e18 })).status).toBe(422);
    const badSchema = await post("/api/work_pools/", {
      name: "bad-schema",
      base_job_template: {
        job_configuration: { x: "{{ x }}" },
        variables: { properties: { x: { type: "nonsense" } } },
      },
    });
    expect(badSchema.status).toBe(422);
    expect(JSON.stringify(badSchema.body)).toContain("not a valid JSON schema");
  });

  test("a queue a deployment makes is announced; POST /flow_runs/ with work_pool_name is placed", async () => {
    const p = await pool("implicit");
    const flow = (await post("/api/flows/", { name: "implicit-flow" })).body;
    const before = events.length;
    const d = (
      await post("/api/deployments/", {
        flow_id: flow.id,
        name: "implicit",
        work_pool_name: "implicit",
        work_queue_name: "made-here",
      })
    ).body;
    const created = events.slice(before).filter((e) => e.event === "prefect.work-queue.created");
    expect(created.map((e) => e.resource["prefect.resource.id"])).toEqual([`prefect.work-queue.${d.work_queue_id}`]);
    expect(created[0]!.related[0]).toMatchObject({ "prefect.resource.id": `prefect.work-pool.${p.id}` });
    const run = await post("/api/flow_runs/", { flow_id: flow.id, work_pool_name: "implicit" });
    expect(run.body).toMatchObject({
      work_pool_name: "implicit",
      work_queue_name: "default",
      work_queue_id: p.default_queue_id,
    });
    const named = await post("/api/flow_runs/", {
      flow_id: flow.id,
      work_pool_name: "implicit",
      work_queue_name: "made-here",
    });
    expect(named.body).toMatchObject({ work_queue_id: d.work_queue_id });
    expect(await post("/api/flow_runs/", { flow_id: flow.id, work_pool_name: "nope" })).toEqual({
      status: 404,
      body: { detail: 'Work pool "nope" not found.' },
    });
    expect(
      (await post("/api/flow_runs/", { flow_id: flow.id, work_pool_name: "implicit", work_queue_name: "zz" })).body,
    ).toEqual({ detail: "Work pool queue 'implicit/zz' not found." });
  });

  test("workers: heartbeat upserts, delete, refusals", async () => {
    await pool("wk");
    expect(
      (await post("/api/work_pools/wk/workers/heartbeat", { name: "a", heartbeat_interval_seconds: 5 })).status,
    ).toBe(204);
    expect((await post("/api/work_pools/wk/workers/heartbeat", { name: "a" })).status).toBe(204);
    const ws = (await post("/api/work_pools/wk/workers/filter")).body as J[];
    expect(ws).toMatchObject([{ name: "a", heartbeat_interval_seconds: 5, status: "ONLINE" }]);
    expect((await post("/api/work_pools/nope/workers/heartbeat", { name: "a" })).status).toBe(404);
    expect((await post("/api/work_pools/wk/workers/heartbeat", {})).status).toBe(422);
    expect(
      (await post("/api/work_pools/wk/workers/heartbeat", { name: "a", heartbeat_interval_seconds: -1 })).status,
    ).toBe(422);
    expect(await call("DELETE", "/api/work_pools/wk/workers/zz")).toEqual({
      status: 404,
      body: { detail: "Worker not found." },
    });
    expect((await call("DELETE", "/api/work_pools/wk/workers/a")).status).toBe(204);
    expect((await post("/api/work_pools/wk/workers/filter")).body).toEqual([]);
  });
});
