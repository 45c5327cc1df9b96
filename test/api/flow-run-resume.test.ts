// POST /flow_runs/{id}/resume on SQLite and PostgreSQL: a Paused run goes back to Running (201), a
// suspended one (pause_reschedule) to Scheduled "Resuming"; a run that is not paused is an ABORT (200,
// nothing written); a pause waiting for typed input is rejected until run input is stored; an unknown
// run is a 404.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("resume on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  let deploymentId: string;
  const post = async (path: string, json?: unknown) => {
    const r = await t.call(path, { method: "POST", json: json ?? {} });
    return { status: r.status, body: (await r.json()) as any };
  };
  // Suspending (pause_reschedule) needs a deployment to start the run again: those runs come from one.
  const pausedRun = async (details: Record<string, unknown> = {}) => {
    const run = details.pause_reschedule
      ? (await post(`/api/deployments/${deploymentId}/create_flow_run`, { state: { type: "RUNNING" } })).body
      : (await post("/api/flow_runs/", { flow_id: flowId, state: { type: "RUNNING" } })).body;
    const paused = await post(`/api/flow_runs/${run.id}/set_state`, {
      state: {
        type: "PAUSED",
        state_details: { pause_timeout: new Date(Date.now() + 60_000).toISOString(), ...details },
      },
    });
    expect(paused.body.status).toBe("ACCEPT");
    return run.id as string;
  };
  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "resumable" })).body.id;
    deploymentId = (await post("/api/deployments/", { flow_id: flowId, name: "resumable" })).body.id;
  });
  afterAll(() => t.close());

  test("a paused run goes back to Running; a suspended one to Scheduled 'Resuming'", async () => {
    const paused = await pausedRun();
    const resumed = await post(`/api/flow_runs/${paused}/resume`);
    expect(resumed.status).toBe(201);
    expect([resumed.body.status, resumed.body.state.type]).toEqual(["ACCEPT", "RUNNING"]);

    const suspended = await pausedRun({ pause_reschedule: true });
    const rescheduled = await post(`/api/flow_runs/${suspended}/resume`, { run_input: null });
    expect([rescheduled.body.status, rescheduled.body.state.type, rescheduled.body.state.name]).toEqual([
      "ACCEPT",
      "SCHEDULED",
      "Resuming",
    ]);
  });

  test("not paused is an ABORT and writes nothing; waiting for input is a REJECT; unknown is a 404", async () => {
    const running = (await post("/api/flow_runs/", { flow_id: flowId, state: { type: "RUNNING" } })).body;
    const abort = await post(`/api/flow_runs/${running.id}/resume`);
    expect(abort.status).toBe(200);
    expect(abort.body).toEqual({
      state: null,
      status: "ABORT",
      details: { type: "abort_details", reason: "Cannot resume a flow run that is not paused." },
    });
    const states = await t.call(`/api/flow_run_states/?flow_run_id=${running.id}`);
    expect(((await states.json()) as unknown[]).length).toBe(1);

    const waiting = await pausedRun({ run_input_keyset: { schema: "s", response: "r" } });
    const reject = await post(`/api/flow_runs/${waiting}/resume`, { run_input: { x: 1 } });
    expect([reject.body.status, reject.body.state.type, reject.body.details.reason]).toEqual([
      "REJECT",
      "PAUSED",
      "Run input schema not found.",
    ]);

    expect((await post(`/api/flow_runs/${crypto.randomUUID()}/resume`)).status).toBe(404);
  });
});
