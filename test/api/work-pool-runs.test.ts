// What workers are handed (POST /work_pools/{name}/get_scheduled_flow_runs and the legacy
// /work_queues/{id}/get_runs) on every dialect: queue priority first, soonest first within a queue, the
// pool's and each queue's free slots (Pending, Running and Cancelling runs hold one), nothing from paused
// pools and queues or awaiting an in-process retry, the scheduled_before/after window and limit; a poll
// marks the queues and their deployments READY.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addSeconds, nowTimestamp } from "../../src/core/time.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("work pool polling on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  let n = 0;

  const call = async (method: string, path: string, json?: unknown, headers?: Record<string, string>) => {
    const r = await t.call(path, { method, json, headers });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});

  /** A pool with queues (name → priority) and a deployment per queue. */
  async function setup(queues: Record<string, number>, extra: J = {}) {
    const name = `pool-${++n}`;
    expect((await post("/api/work_pools/", { name, type: "process", ...extra })).status).toBe(201);
    const deployments: Record<string, J> = {};
    for (const [q, priority] of Object.entries(queues)) {
      if (q !== "default") await post(`/api/work_pools/${name}/queues`, { name: q, priority });
      deployments[q] = (
        await post("/api/deployments/", {
          flow_id: flowId,
          name: `${name}-${q}`,
          work_pool_name: name,
          work_queue_name: q,
        })
      ).body;
    }
    return { name, deployments };
  }
  /** A run of the deployment due `offset` seconds from now. */
  async function run(deployment: J, offset: number, extra: J = {}) {
    const scheduled_time = addSeconds(nowTimestamp(), offset);
    const r = await post(`/api/deployments/${deployment.id}/create_flow_run`, {
      state: { type: "SCHEDULED", state_details: { scheduled_time } },
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body as J;
  }
  const poll = async (pool: string, body: J = {}) => {
    const r = await post(`/api/work_pools/${pool}/get_scheduled_flow_runs`, body);
    if (r.status !== 200) throw new Error(`poll ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Array<{ work_pool_id: string; work_queue_id: string; flow_run: J }>;
  };
  const ids = (xs: Array<{ flow_run: J }>) => xs.map((x) => x.flow_run.id);
  const setState = (id: string, type: string) => post(`/api/flow_runs/${id}/set_state`, { state: { type } });

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "polled" })).body.id;
  });
  afterAll(() => t.close());

  test("queue priority decides the order, then the scheduled time; the response names pool and queue", async () => {
    const { name, deployments } = await setup({ low: 2, high: 1 });
    const late = await run(deployments.low!, -60);
    const h2 = await run(deployments.high!, -5);
    const h1 = await run(deployments.high!, -10);
    const got = await poll(name);
    expect(ids(got)).toEqual([h1.id, h2.id, late.id]);
    const pool = (await call("GET", `/api/work_pools/${name}`)).body;
    expect(got[0]).toMatchObject({ work_pool_id: pool.id, work_queue_id: deployments.high!.work_queue_id });
    expect(got[0]!.flow_run).toMatchObject({ work_pool_name: name, work_queue_name: "high", state_type: "SCHEDULED" });
    expect(ids(await poll(name, { limit: 2 }))).toEqual([h1.id, h2.id]);
    expect(ids(await poll(name, { work_queue_names: ["low"] }))).toEqual([late.id]);
    // scheduled_before / after (the SDK's space-separated format too).
    const before = addSeconds(nowTimestamp(), -30).replace("T", " ").replace("Z", "+00:00");
    expect(ids(await poll(name, { scheduled_before: before }))).toEqual([late.id]);
    expect(ids(await poll(name, { scheduled_after: addSeconds(nowTimestamp(), -7) }))).toEqual([h2.id]);
    // Runs in the future wait for the window (without one, as in Prefect, every Scheduled run is due).
    const future = await run(deployments.high!, 3600);
    expect(ids(await poll(name, { scheduled_before: addSeconds(nowTimestamp(), 10) }))).not.toContain(future.id);
    expect(ids(await poll(name))).toContain(future.id);
    expect(ids(await poll(name, { scheduled_before: addSeconds(nowTimestamp(), 7200) }))).toContain(future.id);
  });

  test("concurrent pollers are handed different runs first; nothing is ever hidden", async () => {
    const { name, deployments } = await setup({ a: 1, b: 2 });
    const a = [await run(deployments.a!, -40), await run(deployments.a!, -30)];
    const b = [await run(deployments.b!, -20), await run(deployments.b!, -10)];
    const first = ids(await poll(name, { limit: 2 }));
    const second = ids(await poll(name, { limit: 2 }));
    expect(first).toEqual([a[0]!.id, a[1]!.id]);
    expect(second).toEqual([b[0]!.id, b[1]!.id]);
    // Every run handed out lately: the order is Prefect's again, all of them in the answer.
    expect(ids(await poll(name))).toEqual([...a, ...b].map((r) => r.id));
    // A run another poller moved on leaves the record; a new one comes before the handed-out ones.
    await setState(a[0]!.id, "PENDING");
    const late = await run(deployments.b!, -5);
    expect(ids(await poll(name, { limit: 1 }))).toEqual([late.id]);
  });

  test("a pool limit of 1: the second run waits until the first ends; queue limits count their own runs", async () => {
    const { name, deployments } = await setup({ default: 1 }, { concurrency_limit: 1 });
    const a = await run(deployments.default!, -20);
    const b = await run(deployments.default!, -10);
    expect(ids(await poll(name))).toEqual([a.id]);
    // Under a limit, a second poller is handed the same run (not the next one), so only one starts.
    expect(ids(await poll(name))).toEqual([a.id]);
    expect((await setState(a.id, "PENDING")).status).toBe(201);
    expect(await poll(name)).toEqual([]);
    expect((await call("GET", `/api/work_pools/${name}`)).body.active_slots).toBe(1);
    await setState(a.id, "RUNNING");
    expect(await poll(name)).toEqual([]);
    await setState(a.id, "CANCELLING");
    expect(await poll(name)).toEqual([]);
    const qid = deployments.default!.work_queue_id;
    const status = (await post(`/api/work_queues/${qid}/concurrency_status`, { limit: 5 })).body;
    expect(status).toMatchObject({ active_slots: 1, count: 1, limit: 5, pages: 1, page: 1 });
    expect(status.flow_runs).toMatchObject([{ id: a.id, state_type: "CANCELLING" }]);
    const poolStatus = (await post(`/api/work_pools/${name}/concurrency_status`)).body;
    expect(poolStatus).toMatchObject({ active_slots: 1, concurrency_limit: 1, count: 1 });
    expect(poolStatus.queues).toMatchObject([{ queue_id: qid, active_slots: 1, flow_runs: [{ id: a.id }] }]);
    await setState(a.id, "CANCELLED");
    expect(ids(await poll(name))).toEqual([b.id]);
    expect((await post(`/api/work_queues/${qid}/concurrency_status`)).body).toMatchObject({
      active_slots: 0,
      flow_runs: [],
    });
    expect((await post(`/api/work_queues/${crypto.randomUUID()}/concurrency_status`)).status).toBe(404);

    const q = await setup({ capped: 1, open: 2 });
    await post(`/api/work_pools/${q.name}/queues/capped`, {});
    await call("PATCH", `/api/work_pools/${q.name}/queues/capped`, { concurrency_limit: 1 });
    const c1 = await run(q.deployments.capped!, -30);
    const c2 = await run(q.deployments.capped!, -20);
    const o1 = await run(q.deployments.open!, -10);
    expect(ids(await poll(q.name))).toEqual([c1.id, o1.id]);
    await setState(c1.id, "PENDING");
    expect(ids(await poll(q.name))).toEqual([o1.id]);
    await setState(c1.id, "RUNNING");
    await setState(c1.id, "COMPLETED");
    expect(ids(await poll(q.name))).toEqual([c2.id, o1.id]);
  });

  test("queues with limits of their own: each hands out within its own, the poll all of them", async () => {
    const { name, deployments } = await setup({ a: 1, b: 2, c: 3 });
    for (const q of ["a", "b", "c"])
      await call("PATCH", `/api/work_pools/${name}/queues/${q}`, { concurrency_limit: 1 });
    const rs = [];
    for (const q of ["a", "b", "c"]) rs.push(await run(deployments[q]!, -10), await run(deployments[q]!, -5));
    expect(ids(await poll(name, { work_queue_names: ["a", "b", "c"] }))).toEqual([rs[0]!.id, rs[2]!.id, rs[4]!.id]);
    expect(ids(await poll(name))).toEqual([rs[0]!.id, rs[2]!.id, rs[4]!.id]);
  });

  test("paused pools and queues hand out nothing; in-process retries are never handed out", async () => {
    const { name, deployments } = await setup({ a: 1, b: 2 });
    const ra = await run(deployments.a!, -10);
    const rb = await run(deployments.b!, -10);
    await call("PATCH", `/api/work_pools/${name}`, { is_paused: true });
    expect(await poll(name)).toEqual([]);
    await call("PATCH", `/api/work_pools/${name}`, { is_paused: false });
    await call("PATCH", `/api/work_pools/${name}/queues/a`, { is_paused: true });
    expect(ids(await poll(name))).toEqual([rb.id]);
    await call("PATCH", `/api/work_pools/${name}/queues/a`, { is_paused: false });
    expect(ids(await poll(name))).toEqual([ra.id, rb.id]);
    // AwaitingRetry in the run's own process: Scheduled, but not for a worker.
    await setState(ra.id, "PENDING");
    await setState(ra.id, "RUNNING");
    const retry = await post(`/api/flow_runs/${ra.id}/set_state`, {
      state: { type: "SCHEDULED", name: "AwaitingRetry", state_details: { scheduled_time: nowTimestamp() } },
      force: true,
    });
    expect(retry.status).toBe(201);
    await call("PATCH", `/api/flow_runs/${ra.id}`, { empirical_policy: { retry_type: "in_process", retries: 1 } });
    expect(ids(await poll(name))).toEqual([rb.id]);
  });

  test("unknown pools and queues are 404s; bad bodies are 422s", async () => {
    const { name } = await setup({ default: 1 });
    expect(await post("/api/work_pools/nope/get_scheduled_flow_runs")).toEqual({
      status: 404,
      body: { detail: 'Work pool "nope" not found.' },
    });
    expect(await post(`/api/work_pools/${name}/get_scheduled_flow_runs`, { work_queue_names: ["zz"] })).toEqual({
      status: 404,
      body: { detail: `Work pool queue '${name}/zz' not found.` },
    });
    for (const body of [{ scheduled_before: "yesterday" }, { limit: -1 }, { work_queue_names: "default" }, []])
      expect((await post(`/api/work_pools/${name}/get_scheduled_flow_runs`, body)).status).toBe(422);
  });

  test("a poll marks its queues and their deployments READY, with one event each", async () => {
    const { name, deployments } = await setup({ default: 1, other: 2 });
    const events: string[] = [];
    const off = t.app.bus.subscribe((es) => events.push(...es.map((e) => e.event)));
    await poll(name, { work_queue_names: ["default"] });
    await poll(name, { work_queue_names: ["default"] });
    const queues = (await post(`/api/work_pools/${name}/queues/filter`)).body as J[];
    expect(queues.map((q) => [q.name, q.status, q.last_polled !== null])).toEqual([
      ["default", "READY", true],
      ["other", "NOT_READY", false],
    ]);
    expect((await call("GET", `/api/deployments/${deployments.default!.id}`)).body.status).toBe("READY");
    expect((await call("GET", `/api/deployments/${deployments.other!.id}`)).body.status).toBe("NOT_READY");
    expect(events.filter((e) => e === "prefect.work-queue.ready")).toHaveLength(1);
    expect(events.filter((e) => e === "prefect.deployment.ready")).toHaveLength(1);
    off?.();
  });

  test("legacy /work_queues/{id}/get_runs: the queue's due runs; the dashboard's reads are not polls", async () => {
    const { deployments } = await setup({ legacy: 1 });
    const r = await run(deployments.legacy!, -5);
    const qid = deployments.legacy!.work_queue_id;
    const ui = await call("POST", `/api/work_queues/${qid}/get_runs`, {}, { "x-prefect-ui": "true" });
    expect(ui.body.map((x: J) => x.id)).toEqual([r.id]);
    expect((await call("GET", `/api/work_queues/${qid}`)).body.status).toBe("NOT_READY");
    const polled = await post(`/api/work_queues/${qid}/get_runs`, { limit: 5 });
    expect(polled.body.map((x: J) => x.id)).toEqual([r.id]);
    expect((await call("GET", `/api/work_queues/${qid}`)).body.status).toBe("READY");
    expect((await post(`/api/work_queues/${crypto.randomUUID()}/get_runs`)).status).toBe(404);
  });
});
