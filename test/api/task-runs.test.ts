import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("task runs API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowRunId: string;
  const post = async (path: string, json: unknown) => {
    const r = await t.call(path, { method: "POST", json });
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeAll(async () => {
    t = await testApp({}, await url());
    const flowId = (await post("/api/flows/", { name: "parent" })).body.id;
    flowRunId = (await post("/api/flow_runs/", { flow_id: flowId })).body.id;
    await post(`/api/flow_runs/${flowRunId}/set_state`, { state: { type: "RUNNING" } });
  });
  afterAll(() => t.close());

  test("create upserts on (flow_run_id, task_key, dynamic_key)", async () => {
    const body = {
      flow_run_id: flowRunId,
      task_key: "child-flow",
      dynamic_key: "0",
      name: "child-flow-0",
      state: { type: "PENDING" },
    };
    const a = await post("/api/task_runs/", body);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      task_key: "child-flow",
      dynamic_key: "0",
      state: { type: "PENDING" },
      flow_run_id: flowRunId,
    });
    const b = await post("/api/task_runs/", body);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
  });

  test("a subflow's states are copied onto its parent task run", async () => {
    const parent = (
      await post("/api/task_runs/", {
        flow_run_id: flowRunId,
        task_key: "sub",
        dynamic_key: "1",
        state: { type: "PENDING" },
      })
    ).body;
    const subFlow = (await post("/api/flows/", { name: "sub" })).body.id;
    const child = (await post("/api/flow_runs/", { flow_id: subFlow, parent_task_run_id: parent.id })).body;
    await post(`/api/flow_runs/${child.id}/set_state`, { state: { type: "RUNNING" } });
    await post(`/api/flow_runs/${child.id}/set_state`, { state: { type: "COMPLETED" } });
    const read = (await (await t.call(`/api/task_runs/${parent.id}`)).json()) as J;
    expect(read.state_type).toBe("COMPLETED");
    expect(read.state.state_details.child_flow_run_id).toBe(child.id);
    const byParent = await post("/api/flow_runs/filter", { flow_runs: { parent_task_run_id: { any_: [parent.id] } } });
    expect(byParent.body.map((r: J) => r.id)).toEqual([child.id]);
    const subflows = await post("/api/task_runs/filter", { task_runs: { subflow_runs: { exists_: true } } });
    expect(subflows.body.map((r: J) => r.id)).toContain(parent.id);
  });

  test("set_state with task rules: retries, caching", async () => {
    const run = (
      await post("/api/task_runs/", {
        flow_run_id: flowRunId,
        task_key: "flaky",
        dynamic_key: "0",
        empirical_policy: { retries: 1, retry_delay: 0 },
        state: { type: "PENDING" },
      })
    ).body;
    expect((await post(`/api/task_runs/${run.id}/set_state`, { state: { type: "RUNNING" } })).body.status).toBe(
      "ACCEPT",
    );
    const failed = await post(`/api/task_runs/${run.id}/set_state`, { state: { type: "FAILED" } });
    expect(failed.body).toMatchObject({ status: "REJECT", state: { name: "AwaitingRetry" } });
    const retrying = await post(`/api/task_runs/${run.id}/set_state`, { state: { type: "RUNNING" } });
    expect(retrying.body.state.name).toBe("Retrying");

    const cacheKey = `key-${crypto.randomUUID()}`;
    const first = (
      await post("/api/task_runs/", {
        flow_run_id: flowRunId,
        task_key: "cached",
        dynamic_key: "0",
        state: { type: "PENDING" },
      })
    ).body;
    await post(`/api/task_runs/${first.id}/set_state`, { state: { type: "RUNNING" } });
    await post(`/api/task_runs/${first.id}/set_state`, {
      state: { type: "COMPLETED", state_details: { cache_key: cacheKey } },
    });
    const second = (
      await post("/api/task_runs/", {
        flow_run_id: flowRunId,
        task_key: "cached",
        dynamic_key: "1",
        state: { type: "PENDING" },
      })
    ).body;
    const hit = await post(`/api/task_runs/${second.id}/set_state`, {
      state: { type: "RUNNING", state_details: { cache_key: cacheKey } },
    });
    expect(hit.body).toMatchObject({ status: "REJECT", state: { type: "COMPLETED", name: "Cached" } });
  });

  test("filters, count, states, delete, and bad input", async () => {
    const count = await post("/api/task_runs/count", { flow_runs: { id: { any_: [flowRunId] } } });
    expect(count.body).toBeGreaterThanOrEqual(5);
    const listed = await post("/api/task_runs/filter", {
      task_runs: { flow_run_id: { any_: [flowRunId] } },
      sort: "EXPECTED_START_TIME_ASC",
      limit: 2,
    });
    expect(listed.body).toHaveLength(2);
    const id = listed.body[0].id;
    const states = (await (await t.call(`/api/task_run_states/?task_run_id=${id}`)).json()) as J[];
    expect(states.length).toBeGreaterThan(0);
    const missing = crypto.randomUUID();
    expect((await t.call(`/api/task_runs/${missing}`)).status).toBe(404);
    expect((await post(`/api/task_runs/${missing}/set_state`, { state: { type: "RUNNING" } })).status).toBe(404);
    expect((await post("/api/task_runs/", { task_key: 5, dynamic_key: "x" })).status).toBe(422);
    expect((await post("/api/task_runs/", { dynamic_key: "x" })).status).toBe(422);
    expect((await post("/api/task_runs/filter", { limit: -1 })).status).toBe(422);
    expect((await t.call(`/api/task_runs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await t.call(`/api/task_runs/${id}`)).status).toBe(404);
  });
});
