import { describe, expect, test } from "bun:test";
import { DEPLOYMENT_ID, flowTransition, PERSISTED, state } from "./helpers.ts";

describe("PreventDuplicateTransitions", () => {
  test("a repeated transition_id returns the current state without writing", () => {
    const current = state("RUNNING", { state_details: { transition_id: "t-1" } });
    const r = flowTransition(current, { type: "COMPLETED", state_details: { transition_id: "t-1" } });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "This run has already made this state transition." });
    expect(r.stateToWrite).toBeNull();
    expect(r.responseState).toBe(current);
    expect(r.runUpdates).toEqual({});
    expect(r.emitEvent).toBe(false);
  });

  test("different or missing transition ids pass", () => {
    const current = state("RUNNING", { state_details: { transition_id: "t-1" } });
    expect(flowTransition(current, { type: "COMPLETED", state_details: { transition_id: "t-2" } }).status).toBe(
      "ACCEPT",
    );
    expect(flowTransition(current, { type: "COMPLETED" }).status).toBe("ACCEPT");
    expect(flowTransition(state("RUNNING"), { type: "COMPLETED" }).status).toBe("ACCEPT");
  });

  test("a first state cannot be a duplicate", () => {
    const r = flowTransition(null, { type: "PENDING", state_details: { transition_id: "t-1" } });
    expect(r.status).toBe("ACCEPT");
  });
});

describe("HandleFlowTerminalStateTransitions", () => {
  test.each(["CANCELLING", "PAUSED", "CRASHED"] as const)("terminal -> %s aborts", (type) => {
    for (const from of ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"] as const) {
      const current = state(from);
      const r = flowTransition(current, { type });
      expect(r.status).toBe("ABORT");
      expect(r.details).toEqual({ type: "abort_details", reason: `Run is already in terminal state ${from}.` });
      expect(r.stateToWrite).toBeNull();
      expect(r.responseState).toBe(current);
    }
  });

  test("leaving COMPLETED with a persisted result is rejected", () => {
    const current = state("COMPLETED", { data: PERSISTED });
    const r = flowTransition(current, { type: "RUNNING" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "Run is already COMPLETED." });
    expect(r.responseState).toBe(current);
    expect(r.stateToWrite).toBeNull();
  });

  test("COMPLETED -> COMPLETED that would drop the persisted result is rejected", () => {
    const current = state("COMPLETED", { data: PERSISTED });
    const r = flowTransition(current, { type: "COMPLETED" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.",
    });
    expect(r.responseState).toBe(current);
    // Prefect's check on the proposal is only "a dict that is not 'unpersisted'", so {} passes.
    expect(flowTransition(current, { type: "COMPLETED", data: {} }).status).toBe("ACCEPT");
    expect(flowTransition(current, { type: "COMPLETED", data: { type: "unpersisted" } }).status).toBe("REJECT");
    // Replacing it with another persisted result, or failing the run, is allowed.
    expect(flowTransition(current, { type: "COMPLETED", data: { storage_key: "/other" } }).status).toBe("ACCEPT");
    expect(flowTransition(current, { type: "FAILED" }).status).toBe("ACCEPT");
  });

  test("COMPLETED without a persisted result may run again", () => {
    for (const data of [null, {}, { type: "unpersisted" }]) {
      const r = flowTransition(state("COMPLETED", { data }), { type: "RUNNING" });
      expect(r.status).toBe("ACCEPT");
    }
  });

  test("rescheduling needs a deployment", () => {
    const r = flowTransition(state("FAILED"), { type: "SCHEDULED" });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({
      type: "abort_details",
      reason: "Cannot reschedule a run without an associated deployment.",
    });
    const ok = flowTransition(state("FAILED"), { type: "SCHEDULED" }, { run: { deployment_id: DEPLOYMENT_ID } });
    expect(ok.status).toBe("ACCEPT");
  });

  test("leaving a terminal state resets pause bookkeeping and sets retry_type", () => {
    const policy = { retries: 1, pause_keys: ["k"], resuming: true, retry_type: "in_process" as const };
    const rescheduled = flowTransition(
      state("FAILED"),
      { type: "SCHEDULED" },
      { run: { deployment_id: DEPLOYMENT_ID, empirical_policy: policy } },
    );
    expect(rescheduled.runUpdates.empirical_policy).toEqual({
      retries: 1,
      pause_keys: [],
      resuming: false,
      retry_type: "reschedule",
    });
    const rerun = flowTransition(state("CRASHED"), { type: "RUNNING" }, { run: { empirical_policy: policy } });
    expect(rerun.status).toBe("ACCEPT");
    expect(rerun.runUpdates.empirical_policy).toEqual({
      retries: 1,
      pause_keys: [],
      resuming: false,
      retry_type: null,
    });
  });

  test("terminal -> terminal keeps the policy untouched", () => {
    const policy = { pause_keys: ["k"], retry_type: "in_process" as const };
    const r = flowTransition(state("FAILED"), { type: "CANCELLED" }, { run: { empirical_policy: policy } });
    expect(r.status).toBe("ACCEPT");
    expect(r.runUpdates.empirical_policy).toBeUndefined();
  });

  test("its policy reset is undone when a later rule stops the transition (fizzle)", () => {
    // CANCELLED -> PENDING: this rule resets the policy, then PreventPendingTransitions aborts.
    const policy = { pause_keys: ["k"], resuming: true };
    const r = flowTransition(state("CANCELLED"), { type: "PENDING" }, { run: { empirical_policy: policy } });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({
      type: "abort_details",
      reason: "This run is in a CANCELLED state and cannot transition to a PENDING state.",
    });
    expect(r.runUpdates).toEqual({});
  });
});

describe("MinimalFlowPolicy (force=true)", () => {
  test("PreventResultDataLoss still protects a persisted result", () => {
    const current = state("COMPLETED", { data: PERSISTED });
    const r = flowTransition(current, { type: "COMPLETED" }, { force: true });
    expect(r.policy).toBe("MinimalFlowPolicy");
    expect(r.status).toBe("REJECT");
    expect(r.responseState).toBe(current);
  });

  test("otherwise anything goes, including leaving a persisted COMPLETED", () => {
    const r = flowTransition(state("COMPLETED", { data: PERSISTED }), { type: "RUNNING" }, { force: true });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("RUNNING");
    expect(flowTransition(state("FAILED"), { type: "CRASHED" }, { force: true }).status).toBe("ACCEPT");
    expect(flowTransition(state("PENDING"), { type: "PENDING" }, { force: true }).status).toBe("ACCEPT");
  });
});
