// The first loop services on real data, on SQLite and PostgreSQL: each service's runOnce() as the
// server's loop calls it, with the thresholds shortened through the same config the settings fill.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addSeconds, nowTimestamp } from "../../src/core/time.ts";
import { CANCELLING_TIMEOUT_MESSAGE, PARENT_CANCELLED_MESSAGE } from "../../src/services/cancellation-cleanup.ts";
import { PAUSE_EXPIRED_MESSAGE } from "../../src/services/pause-expirations.ts";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { baseConfig, testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("upkeep services on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const published: ReceivedEvent[] = [];
  const post = async (path: string, json: unknown) => {
    const r = await t.call(path, { method: "POST", json });
    return { status: r.status, body: (await r.json()) as J };
  };
  const get = async (path: string) => (await (await t.call(path)).json()) as J;
  const run = async (state: J) => (await post("/api/flow_runs/", { flow_id: flowId, state })).body.id as string;

  beforeAll(async () => {
    // The thresholds the settings would set, shortened so a test need not wait.
    const services = { ...baseConfig.services, lateRunsAfterSeconds: 1, cancellingTimeoutSeconds: 0.5 };
    t = await testApp({ services }, await url());
    t.app.bus.subscribe((events) => void published.push(...events));
    flowId = (await post("/api/flows/", { name: "upkeep" })).body.id;
  });
  afterAll(() => t.close());

  test("MarkLateRuns: a Scheduled run past its start by the threshold becomes Late, once; others wait", async () => {
    const due = await run({ type: "SCHEDULED", state_details: { scheduled_time: addSeconds(nowTimestamp(), -60) } });
    const recent = await run({ type: "SCHEDULED", state_details: { scheduled_time: nowTimestamp() } });
    const future = await run({
      type: "SCHEDULED",
      state_details: { scheduled_time: addSeconds(nowTimestamp(), 3600) },
    });
    const running = await run({ type: "RUNNING" });
    await t.app.services.late.runOnce();
    const late = await get(`/api/flow_runs/${due}`);
    expect(late.state).toMatchObject({ type: "SCHEDULED", name: "Late" });
    expect(late.state.state_details.scheduled_time).toBe(late.next_scheduled_start_time);
    for (const id of [recent, future]) expect((await get(`/api/flow_runs/${id}`)).state.name).toBe("Scheduled");
    expect((await get(`/api/flow_runs/${running}`)).state.type).toBe("RUNNING");
    expect(
      published.some(
        (e) => e.event === "prefect.flow-run.Late" && e.resource["prefect.resource.id"] === `prefect.flow-run.${due}`,
      ),
    ).toBe(true);
    // A second pass finds nothing new: the run is Late already, and no second state is written.
    const states = (await get(`/api/flow_run_states/?flow_run_id=${due}`)) as unknown as J[];
    await t.app.services.late.runOnce();
    expect(((await get(`/api/flow_run_states/?flow_run_id=${due}`)) as unknown as J[]).length).toBe(states.length);
    expect(t.app.services.late.status()).toMatchObject({
      runs: 2,
      failures: 0,
      lastError: null,
      detail: "0 run(s) marked late",
    });
  });

  test("FailExpiredPauses: a pause whose timeout passed ends Failed with Prefect's message; a live pause stays", async () => {
    const expired = await run({ type: "RUNNING" });
    await post(`/api/flow_runs/${expired}/set_state`, {
      state: { type: "PAUSED", state_details: { pause_timeout: addSeconds(nowTimestamp(), -5), pause_key: "k1" } },
      force: true,
    });
    const live = await run({ type: "RUNNING" });
    await post(`/api/flow_runs/${live}/set_state`, {
      state: { type: "PAUSED", state_details: { pause_timeout: addSeconds(nowTimestamp(), 3600), pause_key: "k2" } },
      force: true,
    });
    await t.app.services.pauses.runOnce();
    expect((await get(`/api/flow_runs/${expired}`)).state).toMatchObject({
      type: "FAILED",
      message: PAUSE_EXPIRED_MESSAGE,
    });
    expect((await get(`/api/flow_runs/${live}`)).state.type).toBe("PAUSED");
    expect(
      published.some(
        (e) =>
          e.event === "prefect.flow-run.Failed" && e.resource["prefect.resource.id"] === `prefect.flow-run.${expired}`,
      ),
    ).toBe(true);
  });

  test("CancellationCleanup: a run stuck Cancelling past the timeout ends Cancelled", async () => {
    const stuck = await run({ type: "RUNNING" });
    // A run with a deployment stays Cancelling until its infrastructure confirms; this one never will.
    await post(`/api/flow_runs/${stuck}/set_state`, { state: { type: "CANCELLING" }, force: true });
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/flow_runs/${stuck}`)).state.type).toBe("CANCELLING");
    await Bun.sleep(600);
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/flow_runs/${stuck}`)).state).toMatchObject({
      type: "CANCELLED",
      message: CANCELLING_TIMEOUT_MESSAGE,
    });
  });

  test("CancellationCleanup: a cancelled run's unfinished task runs and subflows are cancelled; finished ones stay", async () => {
    const parent = await run({ type: "RUNNING" });
    const task = async (key: string, state: J) =>
      (await post("/api/task_runs/", { flow_run_id: parent, task_key: key, dynamic_key: "0", state })).body
        .id as string;
    const open = await task("open", { type: "RUNNING" });
    const pending = await task("pending", { type: "PENDING" });
    const done = await task("done", { type: "COMPLETED" });
    const subflowTask = await task("sub", { type: "RUNNING" });
    const subflow = (
      await post("/api/flow_runs/", { flow_id: flowId, parent_task_run_id: subflowTask, state: { type: "RUNNING" } })
    ).body.id as string;
    const grandTask = (
      await post("/api/task_runs/", {
        flow_run_id: subflow,
        task_key: "inner",
        dynamic_key: "0",
        state: { type: "RUNNING" },
      })
    ).body.id as string;
    expect(await t.app.transitions.cancelFlowRun(parent, "test")).toBe(true);
    expect((await get(`/api/flow_runs/${parent}`)).state.type).toBe("CANCELLED");

    await t.app.services.cancellations.runOnce();
    for (const id of [open, pending])
      expect((await get(`/api/task_runs/${id}`)).state).toMatchObject({
        type: "CANCELLED",
        message: PARENT_CANCELLED_MESSAGE,
      });
    expect((await get(`/api/task_runs/${done}`)).state.type).toBe("COMPLETED");
    // The subflow has no deployment, so nothing else could stop it: Cancelled at once.
    expect((await get(`/api/flow_runs/${subflow}`)).state).toMatchObject({
      type: "CANCELLED",
      message: PARENT_CANCELLED_MESSAGE,
    });
    // The next pass reaches the subflow's own task runs.
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/task_runs/${grandTask}`)).state.type).toBe("CANCELLED");
  });

  test("CancellationCleanup: a subflow with a deployment is asked to cancel (Cancelling), not forced", async () => {
    const parent = await run({ type: "RUNNING" });
    const subTask = (
      await post("/api/task_runs/", {
        flow_run_id: parent,
        task_key: "dep-sub",
        dynamic_key: "0",
        state: { type: "RUNNING" },
      })
    ).body.id;
    const deploymentId = "0192f9d2-4f6b-7c3e-9a10-0123456789ab";
    const sub = (
      await post("/api/flow_runs/", {
        flow_id: flowId,
        parent_task_run_id: subTask,
        deployment_id: deploymentId,
        state: { type: "RUNNING" },
      })
    ).body.id;
    await t.app.transitions.cancelFlowRun(parent, "test");
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/flow_runs/${sub}`)).state).toMatchObject({
      type: "CANCELLING",
      message: PARENT_CANCELLED_MESSAGE,
    });
    // It keeps Cancelling for its infrastructure, until the Cancelling timeout ends it.
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/flow_runs/${sub}`)).state.type).toBe("CANCELLING");
    await Bun.sleep(600);
    await t.app.services.cancellations.runOnce();
    expect((await get(`/api/flow_runs/${sub}`)).state.type).toBe("CANCELLED");
  });

  test("the settings page lists every service with its state and last run", async () => {
    const page = await (await t.call("/settings")).text();
    for (const name of [
      "MarkLateRuns",
      "FailExpiredPauses",
      "CancellationCleanup",
      "EventPersister",
      "TaskRunRecorder",
    ])
      expect(page).toContain(`data-service="${name}"`);
    expect(page).toContain("0 run(s) marked late");
  });
});
