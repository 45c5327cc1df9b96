import { describe, expect, test } from "bun:test";
import { orchestrate, prepareProposal } from "../../../src/orchestration/orchestrate.ts";
import { defaultStateDetails, type StateCreate } from "../../../src/orchestration/states.ts";
import { addSeconds } from "../../../src/core/time.ts";
import { DEPLOYMENT_ID, FLOW_RUN_ID, FlowSim, flowRun, flowTransition, nextId, state, T0 } from "./helpers.ts";

const at = (seconds: number) => addSeconds(T0, seconds);

describe("a plain flow run", () => {
  test("PENDING -> RUNNING -> COMPLETED", () => {
    const sim = new FlowSim();
    const pending = sim.propose({ type: "PENDING", state_details: { flow_run_id: FLOW_RUN_ID, transition_id: "t1" } });
    expect(pending.status).toBe("ACCEPT");
    expect(pending.details).toEqual({ type: "accept_details" });
    expect(pending.stateToWrite).toEqual({
      id: pending.stateToWrite!.id,
      type: "PENDING",
      name: "Pending",
      timestamp: T0,
      message: null,
      data: null,
      state_details: { ...defaultStateDetails(), flow_run_id: FLOW_RUN_ID, transition_id: "t1" },
    });
    expect(pending.responseState).toBe(pending.stateToWrite);
    expect(pending.emitEvent).toBe(true);
    expect(pending.runUpdates).toEqual({
      state_id: pending.stateToWrite!.id,
      state_type: "PENDING",
      state_name: "Pending",
      state_timestamp: T0,
      expected_start_time: T0,
    });

    const running = sim.advance(1.25).propose({ type: "RUNNING", state_details: { transition_id: "t2" } });
    expect(running.status).toBe("ACCEPT");
    expect(sim.run).toMatchObject({ state_type: "RUNNING", run_count: 1, start_time: at(1.25) });

    const completed = sim
      .advance(2.5)
      .propose({ type: "COMPLETED", data: { storage_key: "/r" }, state_details: { transition_id: "t3" } });
    expect(completed.status).toBe("ACCEPT");
    expect(completed.stateToWrite?.data).toEqual({ storage_key: "/r" });
    expect(sim.run).toMatchObject({
      state_type: "COMPLETED",
      state_name: "Completed",
      run_count: 1,
      start_time: at(1.25),
      end_time: at(3.75),
      total_run_time: 2.5,
      expected_start_time: T0,
    });
    expect(sim.history.map((s) => s.name)).toEqual(["Pending", "Running", "Completed"]);
  });

  test("a retried request (same transition_id) gets the same state back, no second write", () => {
    const sim = new FlowSim();
    sim.propose({ type: "PENDING" });
    const first = sim.advance(1).propose({ type: "RUNNING", state_details: { transition_id: "t-run" } });
    const again = sim.advance(1).propose({ type: "RUNNING", state_details: { transition_id: "t-run" } });
    expect(again.status).toBe("REJECT");
    expect(again.stateToWrite).toBeNull();
    expect(again.responseState).toEqual(first.stateToWrite);
    expect(sim.run.run_count).toBe(1);
  });

  test("two workers racing: the second PENDING aborts", () => {
    const sim = new FlowSim(flowRun({ deployment_id: DEPLOYMENT_ID }));
    sim.propose({ type: "SCHEDULED", state_details: { scheduled_time: T0 } });
    expect(sim.advance(1).propose({ type: "PENDING" }).status).toBe("ACCEPT");
    const second = sim.propose({ type: "PENDING" });
    expect(second.status).toBe("ABORT");
    expect(second.details).toEqual({
      type: "abort_details",
      reason: "This run is in a PENDING state and cannot transition to a PENDING state.",
    });
    expect(second.stateToWrite).toBeNull();
    expect(second.emitEvent).toBe(false);
  });
});

describe("retries", () => {
  test("retries=2: AwaitingRetry twice, then FAILED is accepted", () => {
    const sim = new FlowSim(flowRun({ empirical_policy: { retries: 2, retry_delay: 5 } }));
    sim.propose({ type: "PENDING" });
    sim.advance(1).propose({ type: "RUNNING" });
    expect(sim.run.run_count).toBe(1);

    for (const attempt of [1, 2]) {
      const failed = sim.advance(1).propose({ type: "FAILED", message: `attempt ${attempt}` });
      expect(failed.status).toBe("REJECT");
      expect(failed.stateToWrite?.name).toBe("AwaitingRetry");
      expect(failed.stateToWrite?.message).toBe(`attempt ${attempt}`);
      expect(sim.run.empirical_policy.retry_type).toBe("in_process");
      expect(sim.run.next_scheduled_start_time).toBe(addSeconds(sim.now, 5));

      const early = sim.advance(1).propose({ type: "RUNNING" });
      expect(early.status).toBe("WAIT");
      expect(early.details).toEqual({
        type: "wait_details",
        delay_seconds: 4,
        reason: "Scheduled time is in the future",
      });
      expect(early.responseState).toBe(failed.stateToWrite);

      const running = sim.advance(4).propose({ type: "RUNNING" });
      expect(running.status).toBe("ACCEPT");
      expect(sim.run.run_count).toBe(attempt + 1);
      expect(sim.run.next_scheduled_start_time).toBeNull();
    }

    const final = sim.advance(1).propose({ type: "FAILED" });
    expect(final.status).toBe("ACCEPT");
    expect(final.stateToWrite?.type).toBe("FAILED");
    expect(sim.run.empirical_policy.retry_type).toBeNull();
    expect(sim.run.run_count).toBe(3);
    expect(sim.run.total_run_time).toBe(3);
    expect(sim.history.map((s) => s.name)).toEqual([
      "Pending",
      "Running",
      "AwaitingRetry",
      "Running",
      "AwaitingRetry",
      "Running",
      "Failed",
    ]);
  });
});

describe("scheduled runs", () => {
  test("SCHEDULED -> PENDING copies the time; RUNNING waits for it (rounded)", () => {
    const sim = new FlowSim(flowRun({ deployment_id: DEPLOYMENT_ID }));
    sim.propose({ type: "SCHEDULED", state_details: { scheduled_time: at(30.7) } });
    expect(sim.run.expected_start_time).toBe(at(30.7));
    expect(sim.run.next_scheduled_start_time).toBe(at(30.7));
    const pending = sim.advance(1).propose({ type: "PENDING" });
    expect(pending.stateToWrite?.state_details.scheduled_time).toBe(at(30.7));
    const early = sim.propose({ type: "RUNNING" });
    expect(early.details).toEqual({
      type: "wait_details",
      delay_seconds: 30,
      reason: "Scheduled time is in the future",
    });
    expect(sim.advance(30).propose({ type: "RUNNING" }).status).toBe("ACCEPT");
  });
});

describe("force=true", () => {
  test("bypasses the core rules but keeps the bookkeeping", () => {
    const sim = new FlowSim(
      flowRun({ run_count: 1, start_time: T0, state_type: "RUNNING" }),
      state("RUNNING", { timestamp: T0 }),
    );
    sim.advance(2);
    expect(sim.propose({ type: "PENDING" }).status).toBe("ABORT");
    const forced = sim.propose({ type: "PENDING" }, { force: true });
    expect(forced.policy).toBe("MinimalFlowPolicy");
    expect(forced.status).toBe("ACCEPT");
    expect(forced.fired).toEqual([]);
    expect(forced.emitEvent).toBe(true);
    expect(sim.run).toMatchObject({ state_type: "PENDING", total_run_time: 2 });
    const completed = sim.advance(1).propose({ type: "COMPLETED" }, { force: true });
    expect(completed.status).toBe("ACCEPT");
    expect(sim.run.end_time).toBe(sim.now);
  });
});

describe("cancellation", () => {
  test("running run: Cancelling (event for the worker) then Cancelled", () => {
    const sim = new FlowSim(flowRun({ infrastructure_pid: "h:1", run_count: 1 }), state("RUNNING"));
    const cancelling = sim.advance(1).propose({ type: "CANCELLING" });
    expect(cancelling.status).toBe("ACCEPT");
    expect(cancelling.emitEvent).toBe(true);
    expect(sim.advance(1).propose({ type: "COMPLETED" }).status).toBe("REJECT");
    expect(sim.current?.type).toBe("CANCELLING");
    const cancelled = sim.advance(1).propose({ type: "CANCELLED" });
    expect(cancelled.status).toBe("ACCEPT");
    expect(sim.run.end_time).toBe(sim.now);
    expect(sim.advance(1).propose({ type: "CANCELLING" }).status).toBe("ABORT");
  });

  test("scheduled run: straight to Cancelled", () => {
    const sim = new FlowSim(flowRun({ deployment_id: DEPLOYMENT_ID }));
    sim.propose({ type: "SCHEDULED", state_details: { scheduled_time: at(600) } });
    const r = sim.advance(1).propose({ type: "CANCELLING" });
    expect(r.status).toBe("REJECT");
    expect(sim.current?.type).toBe("CANCELLED");
    expect(sim.run.next_scheduled_start_time).toBeNull();
  });
});

describe("state defaults and identity", () => {
  test("name, scheduled_time and run references are filled in", () => {
    const p = prepareProposal({ type: "SCHEDULED" }, T0);
    expect(p).toEqual({
      type: "SCHEDULED",
      name: "Scheduled",
      message: null,
      data: null,
      state_details: { ...defaultStateDetails(), scheduled_time: T0 },
    });
    expect(prepareProposal({ type: "CANCELLING", name: null }, T0)).toMatchObject({ name: "Cancelling" });
    expect(prepareProposal({ type: "RUNNING", name: "Custom" }, T0)).toMatchObject({ name: "Custom" });
  });

  test("datetimes in state_details are normalised; unknown detail fields are kept", () => {
    const proposal: StateCreate = {
      type: "PAUSED",
      state_details: { pause_timeout: "2026-08-21 14:00:00.5+02:00", future_field: 1 } as StateCreate["state_details"],
    };
    const p = prepareProposal(proposal, T0);
    expect(p).toMatchObject({ state_details: { pause_timeout: "2026-08-21T12:00:00.500000Z", future_field: 1 } });
  });

  test("invalid proposals abort with 'Error validating state'", () => {
    const bad = flowTransition(state("RUNNING"), { type: "RUNNING", state_details: { scheduled_time: "soon" } });
    expect(bad.status).toBe("ABORT");
    expect(bad.details).toEqual({
      type: "abort_details",
      reason: 'Error validating state: invalid datetime in state_details.scheduled_time: "soon"',
    });
    expect(bad.responseState).toBeNull();
    const unknownType = flowTransition(null, { type: "DONE" as never });
    expect(unknownType.status).toBe("ABORT");
    expect(flowTransition(null, null as never).status).toBe("ABORT");
  });

  test("state timestamps are unique and increasing per run", () => {
    const current = state("RUNNING", { timestamp: "2026-08-21T12:00:05.000000Z" });
    const sameInstant = flowTransition(current, { type: "COMPLETED" }, { now: "2026-08-21T12:00:05.000000Z" });
    expect(sameInstant.stateToWrite?.timestamp).toBe("2026-08-21T12:00:05.000001Z");
    const clockBehind = flowTransition(current, { type: "COMPLETED" }, { now: "2026-08-21T12:00:04.000000Z" });
    expect(clockBehind.stateToWrite?.timestamp).toBe("2026-08-21T12:00:05.000001Z");
    expect(clockBehind.runUpdates.total_run_time).toBe(0.000001);
  });

  test("the caller's clock may use any format", () => {
    const r = flowTransition(null, { type: "PENDING" }, { now: "2026-08-21 14:00:00+02:00" });
    expect(r.stateToWrite?.timestamp).toBe("2026-08-21T12:00:00.000000Z");
  });

  test("a subflow's states point at its parent task run, which mirrors them", () => {
    const r = orchestrate({
      kind: "flow_run",
      run: flowRun({ parent_task_run_id: "parent-task" }),
      currentState: null,
      proposed: { type: "PENDING" },
      now: T0,
      newStateId: nextId(),
    });
    expect(r.stateToWrite?.state_details.task_run_id).toBe("parent-task");
    expect(r.effects).toEqual([
      {
        kind: "set_parent_task_run_state",
        task_run_id: "parent-task",
        state: {
          type: "PENDING",
          name: "Pending",
          message: null,
          data: null,
          state_details: { ...r.stateToWrite!.state_details, child_flow_run_id: FLOW_RUN_ID },
        },
      },
    ]);
  });

  test("the parent task run accepts the mirrored state with force", () => {
    const sub = flowTransition(null, { type: "RUNNING" }, { run: { parent_task_run_id: "parent-task" } });
    const effect = sub.effects.find((e) => e.kind === "set_parent_task_run_state");
    if (effect?.kind !== "set_parent_task_run_state") throw new Error("missing effect");
    const parent = orchestrate({
      kind: "task_run",
      run: {
        ...flowRun(),
        id: "parent-task",
        flow_run_id: "parent-flow",
        flow_run_run_count: 0,
        empirical_policy: {},
        tags: [],
      },
      currentState: null,
      proposed: effect.state,
      force: true,
      now: T0,
      newStateId: nextId(),
    });
    expect(parent.status).toBe("ACCEPT");
    expect(parent.stateToWrite?.state_details).toMatchObject({
      flow_run_id: "parent-flow",
      task_run_id: "parent-task",
      child_flow_run_id: FLOW_RUN_ID,
    });
  });

  test("invalid now is a programming error", () => {
    expect(() => flowTransition(null, { type: "PENDING" }, { now: "yesterday" })).toThrow(RangeError);
  });
});
