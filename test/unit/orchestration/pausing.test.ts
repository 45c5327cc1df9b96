import { describe, expect, test } from "bun:test";
import { DEPLOYMENT_ID, FlowSim, flowRun, flowTransition, state, T0 } from "./helpers.ts";
import { addSeconds } from "../../../src/core/time.ts";

describe("HandlePausingFlows", () => {
  test("a running flow may pause; its key is recorded after the write", () => {
    const r = flowTransition(state("RUNNING"), { type: "PAUSED", state_details: { pause_key: "k1" } });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Paused");
    expect(r.runUpdates.empirical_policy).toEqual({ pause_keys: ["k1"] });
  });

  test("without a key a unique one (the new state's id) is recorded", () => {
    const r = flowTransition(state("RUNNING"), { type: "PAUSED" });
    expect(r.status).toBe("ACCEPT");
    expect(r.runUpdates.empirical_policy).toEqual({ pause_keys: [r.stateToWrite!.id] });
  });

  test("input left under the pause's keyset by an earlier attempt is deleted", () => {
    const keyset = { description: "k-description", response: "k-response", schema: "k-schema" };
    const r = flowTransition(state("RUNNING"), {
      type: "PAUSED",
      state_details: { pause_key: "k", run_input_keyset: keyset },
    });
    expect(r.effects).toEqual([{ kind: "delete_flow_run_inputs", keys: ["k-description", "k-response", "k-schema"] }]);
  });

  test("a key that already fired is refused", () => {
    const current = state("RUNNING");
    const r = flowTransition(
      current,
      { type: "PAUSED", state_details: { pause_key: "k1" } },
      {
        run: { empirical_policy: { pause_keys: ["k1"] } },
      },
    );
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "This pause has already fired." });
    expect(r.responseState).toBe(current);
    expect(r.runUpdates).toEqual({});
  });

  test("only running flows pause; suspend wording follows the name", () => {
    const r = flowTransition(state("PENDING"), { type: "PAUSED", name: "Suspended" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Cannot suspend flows that are not currently running.",
    });
  });

  test("with no state the pause aborts", () => {
    const r = flowTransition(null, { type: "PAUSED" });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({ type: "abort_details", reason: "Cannot pause flows with no state." });
    expect(r.responseState).toBeNull();
  });

  test("suspending needs a deployment and a top-level flow", () => {
    const proposal = { type: "PAUSED" as const, name: "Suspended", state_details: { pause_reschedule: true } };
    const noDeployment = flowTransition(state("RUNNING"), proposal);
    expect(noDeployment.details).toEqual({
      type: "abort_details",
      reason: "Cannot suspend flows without a deployment.",
    });
    const subflow = flowTransition(state("RUNNING"), proposal, {
      run: { deployment_id: DEPLOYMENT_ID, parent_task_run_id: "parent-task" },
    });
    expect(subflow.details).toEqual({ type: "abort_details", reason: "Cannot suspend subflows." });
    const ok = flowTransition(state("RUNNING"), proposal, { run: { deployment_id: DEPLOYMENT_ID } });
    expect(ok.status).toBe("ACCEPT");
    expect(ok.stateToWrite?.state_details.pause_reschedule).toBe(true);
  });
});

describe("HandleResumingPausedFlows", () => {
  test("PAUSED -> RUNNING is accepted and marks the run as resuming", () => {
    const r = flowTransition(state("PAUSED"), { type: "RUNNING" }, { run: { run_count: 1 } });
    expect(r.status).toBe("ACCEPT");
    // Bookkeeping runs before the after hook, so this RUNNING still counts; the flag is for later.
    expect(r.runUpdates.run_count).toBe(2);
    expect(r.runUpdates.empirical_policy).toEqual({ resuming: true });
  });

  test("a suspended run resumes through Scheduled/Resuming without a new attempt", () => {
    const suspended = state("PAUSED", { name: "Suspended", state_details: { pause_reschedule: true } });
    const sim = new FlowSim(flowRun({ deployment_id: DEPLOYMENT_ID, run_count: 1, state_type: "PAUSED" }), suspended);
    sim.advance(10);
    const resume = sim.propose({ type: "SCHEDULED", name: "Resuming" });
    expect(resume.status).toBe("ACCEPT");
    expect(sim.run.empirical_policy.resuming).toBe(true);
    sim.advance(1);
    expect(sim.propose({ type: "PENDING" }).status).toBe("ACCEPT");
    const running = sim.propose({ type: "RUNNING" });
    expect(running.status).toBe("ACCEPT");
    expect(sim.run.run_count).toBe(1);
    expect(sim.run.empirical_policy.resuming).toBe(false);
  });

  test("rescheduling a suspended run needs a deployment", () => {
    const suspended = state("PAUSED", { name: "Suspended", state_details: { pause_reschedule: true } });
    const r = flowTransition(suspended, { type: "SCHEDULED", name: "Resuming" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Cannot reschedule a resuming flow run without a deployment.",
    });
  });

  test("only RUNNING, SCHEDULED or a final state may follow PAUSED", () => {
    for (const type of ["PENDING"] as const) {
      const r = flowTransition(state("PAUSED"), { type });
      expect(r.status).toBe("REJECT");
      expect(r.details).toEqual({
        type: "reject_details",
        reason: `This run cannot transition to the ${type} state from the PAUSED state.`,
      });
    }
    expect(flowTransition(state("PAUSED"), { type: "CANCELLED" }).status).toBe("ACCEPT");
    expect(flowTransition(state("PAUSED"), { type: "CANCELLING" }).status).toBe("ACCEPT");
    // PAUSED -> PAUSED is refused earlier, by HandlePausingFlows.
    expect(flowTransition(state("PAUSED"), { type: "PAUSED" }).details).toEqual({
      type: "reject_details",
      reason: "Cannot pause flows that are not currently running.",
    });
  });

  test("a pause whose timeout passed fails instead of resuming", () => {
    const paused = state("PAUSED", { state_details: { pause_timeout: T0 } });
    const r = flowTransition(paused, { type: "RUNNING" }, { now: addSeconds(T0, 0.000001) });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "The flow run pause has timed out and can no longer resume.",
    });
    expect(r.stateToWrite?.type).toBe("FAILED");
    expect(r.stateToWrite?.message).toBe("The flow was running and never resumed.");
    expect(r.emitEvent).toBe(true);
  });

  test("cancelling a timed-out pause still goes through", () => {
    const paused = state("PAUSED", { state_details: { pause_timeout: T0 } });
    const r = flowTransition(
      paused,
      { type: "CANCELLING" },
      { now: addSeconds(T0, 60), run: { infrastructure_pid: "h:1" } },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("CANCELLING");
  });

  test("a blocking pause left for SCHEDULED starts over: pause bookkeeping is reset", () => {
    const r = flowTransition(
      state("PAUSED"),
      { type: "SCHEDULED", name: "AwaitingRetry" },
      {
        run: { empirical_policy: { pause_keys: ["a"], resuming: false } },
      },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.runUpdates.empirical_policy).toEqual({ pause_keys: [], resuming: false, retry_type: "reschedule" });
  });

  test("a pause still within its timeout resumes", () => {
    const paused = state("PAUSED", { state_details: { pause_timeout: addSeconds(T0, 60) } });
    expect(flowTransition(paused, { type: "RUNNING" }).status).toBe("ACCEPT");
  });

  test("like Prefect, a refused resume still leaves the resuming flag set", () => {
    const r = flowTransition(state("PAUSED"), { type: "PENDING" });
    expect(r.status).toBe("REJECT");
    expect(r.runUpdates.empirical_policy).toEqual({ resuming: true });
  });

  test("pause -> resume -> pause again with a new key, the old key refused", () => {
    const sim = new FlowSim(flowRun(), state("RUNNING"));
    sim.run = { ...sim.run, run_count: 1 };
    expect(sim.advance(1).propose({ type: "PAUSED", state_details: { pause_key: "a" } }).status).toBe("ACCEPT");
    expect(sim.advance(1).propose({ type: "RUNNING" }).status).toBe("ACCEPT");
    expect(sim.advance(1).propose({ type: "PAUSED", state_details: { pause_key: "a" } }).status).toBe("REJECT");
    expect(sim.advance(1).propose({ type: "PAUSED", state_details: { pause_key: "b" } }).status).toBe("ACCEPT");
    expect(sim.run.empirical_policy.pause_keys).toEqual(["a", "b"]);
  });
});
