// Deployment concurrency limits through app.handle on every dialect: a run entering PENDING takes the
// deployment's slot under a lease named in its state; the next waits (ENQUEUE: AwaitingConcurrencySlot)
// or is cancelled (CANCEL_NEW); RUNNING renews the lease, or takes a slot again after the repossessor
// took it; ending gives the slot back; a limit of 0 aborts; a Late run of a full CANCEL_NEW deployment
// is cancelled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDriver, exec } from "../../src/db/driver.ts";
import { sql } from "../../src/db/sql-tag.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;
const SDK = { "user-agent": "prefect/3.9.1 (API 0.8.4)" };

describe.each(DIALECTS)("deployment concurrency on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json, headers: SDK });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const deploy = async (name: string, extra: J) =>
    (await post("/api/deployments/", { flow_id: flowId, name, ...extra })).body as J;
  const newRun = async (deploymentId: string) =>
    (await post(`/api/deployments/${deploymentId}/create_flow_run`, {})).body.id as string;
  const propose = async (runId: string, type: string, extra: J = {}) =>
    (await post(`/api/flow_runs/${runId}/set_state`, { state: { type, ...extra }, force: false })).body as J;
  const limitOf = async (deploymentId: string) =>
    (await call("GET", `/api/v2/concurrency_limits/deployment:${deploymentId}`)).body;

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "limited-flow" })).body.id;
  });
  afterAll(() => t.close());

  test("ENQUEUE: one run at a time; the next waits as AwaitingConcurrencySlot; ending frees the slot", async () => {
    const dep = await deploy("enqueue", { concurrency_limit: 1 });
    const [a, b] = [await newRun(dep.id), await newRun(dep.id)];
    const pending = await propose(a, "PENDING");
    expect(pending.status).toBe("ACCEPT");
    const lease = pending.state.state_details.deployment_concurrency_lease_id;
    expect(lease).toMatch(/^[0-9a-f-]{36}$/);
    const limit = await limitOf(dep.id);
    expect(limit).toMatchObject({ limit: 1, active_slots: 1 });
    const holders = (await t.app.stores.concurrencyLimitsV2.holders([limit.id])).get(limit.id)!;
    expect(holders.map((h) => [h.lease_id, h.holder])).toEqual([[lease, { type: "flow_run", id: a }]]);

    const waiting = await propose(b, "PENDING");
    expect(waiting.status).toBe("REJECT");
    expect(waiting.state).toMatchObject({ type: "SCHEDULED", name: "AwaitingConcurrencySlot" });
    expect(waiting.details.reason).toBe("Deployment concurrency limit reached.");

    const running = await propose(a, "RUNNING");
    expect(running.status).toBe("ACCEPT");
    expect(running.state.state_details.deployment_concurrency_lease_id).toBe(lease);
    expect((await propose(a, "COMPLETED")).status).toBe("ACCEPT");
    expect((await limitOf(dep.id)).active_slots).toBe(0);
    expect((await post(`/api/v2/concurrency_limits/leases/${lease}/renew`, {})).status).toBe(410);

    const next = await propose(b, "PENDING");
    expect(next.status).toBe("ACCEPT");
    expect(next.state.state_details.deployment_concurrency_lease_id).not.toBe(lease);
    // A crash gives the slot back too.
    expect((await post(`/api/flow_runs/${b}/set_state`, { state: { type: "CRASHED" }, force: true })).status).toBe(201);
    expect((await limitOf(dep.id)).active_slots).toBe(0);
    // The deployment's own limit goes with it.
    expect((await call("DELETE", `/api/deployments/${dep.id}`)).status).toBe(204);
    expect((await call("GET", `/api/v2/concurrency_limits/deployment:${dep.id}`)).status).toBe(404);
  });

  test("CANCEL_NEW cancels the extra run; a limit of 0 aborts", async () => {
    const dep = await deploy("cancel-new", {
      concurrency_limit: 1,
      concurrency_options: { collision_strategy: "CANCEL_NEW" },
    });
    const [a, b] = [await newRun(dep.id), await newRun(dep.id)];
    expect((await propose(a, "PENDING")).status).toBe("ACCEPT");
    const cancelled = await propose(b, "PENDING");
    expect(cancelled.status).toBe("REJECT");
    expect(cancelled.state).toMatchObject({ type: "CANCELLED", message: "Deployment concurrency limit reached." });
    expect((await limitOf(dep.id)).active_slots).toBe(1);
    // A run going Late while the limit is full is cancelled too (MarkLateRunsPolicy).
    const late = await newRun(dep.id);
    // The late-runs service proposes Late under MarkLateRunsPolicy.
    const marked = await t.app.transitions.setFlowRunState(
      late,
      { type: "SCHEDULED", name: "Late", state_details: {} },
      { policy: "MarkLateRunsPolicy" },
    );
    expect(marked!.result.status).toBe("REJECT");
    expect(marked!.result.stateToWrite?.type).toBe("CANCELLED");

    // A deployment may use a global limit of its own choosing; one of 0 would deadlock.
    const zeroLimit = (await post("/api/v2/concurrency_limits/", { name: "zero", limit: 0 })).body;
    const zdep = await deploy("zero-limit", { global_concurrency_limit_id: zeroLimit.id });
    const aborted = await propose(await newRun(zdep.id), "PENDING");
    expect(aborted.status).toBe("ABORT");
    expect(aborted.details.reason).toContain("limit is 0");
  });

  test("RUNNING after the lease expired takes a free slot again, or cancels when none is free", async () => {
    const dep = await deploy("regain", { concurrency_limit: 1 });
    const [a, b] = [await newRun(dep.id), await newRun(dep.id)];
    const lease = (await propose(a, "PENDING")).state.state_details.deployment_concurrency_lease_id;
    await expire(lease);
    await t.app.services.repossessor.runOnce();
    expect((await limitOf(dep.id)).active_slots).toBe(0);
    const regained = await propose(a, "RUNNING");
    expect(regained.status).toBe("ACCEPT");
    const fresh = regained.state.state_details.deployment_concurrency_lease_id;
    expect(fresh).not.toBe(lease);
    expect((await limitOf(dep.id)).active_slots).toBe(1);
    expect((await post(`/api/v2/concurrency_limits/leases/${fresh}/renew`, {})).status).toBe(204);

    // b's lease goes while a holds the only slot again: b cannot run.
    expect((await propose(a, "COMPLETED")).status).toBe("ACCEPT");
    const bLease = (await propose(b, "PENDING")).state.state_details.deployment_concurrency_lease_id;
    await expire(bLease);
    await t.app.services.repossessor.runOnce();
    const c = await newRun(dep.id);
    expect((await propose(c, "PENDING")).status).toBe("ACCEPT");
    const lost = await propose(b, "RUNNING");
    expect(lost.status).toBe("REJECT");
    expect(lost.state).toMatchObject({ type: "CANCELLED" });
    expect(lost.state.message).toContain("slot lost during provisioning");
    expect((await limitOf(dep.id)).active_slots).toBe(1);
  });

  async function expire(leaseId: string) {
    await createDriver(t.db).tx(() =>
      exec(sql`UPDATE concurrency_lease SET expiration = ${"2000-01-01T00:00:00.000000Z"} WHERE id = ${leaseId}`),
    );
  }
});
