import { describe, expect, test } from "bun:test";
import { flowTransition, state } from "./helpers.ts";

describe("EnforceCancellingToCancelledTransition", () => {
  test.each(["COMPLETED", "FAILED", "RUNNING", "CRASHED", "SCHEDULED", "PAUSED"] as const)(
    "CANCELLING -> %s returns the current state",
    (type) => {
      const current = state("CANCELLING");
      const r = flowTransition(current, { type });
      expect(r.status).toBe("REJECT");
      expect(r.details).toEqual({
        type: "reject_details",
        reason: "Cannot transition flows that are cancelling to a state other than Cancelled.",
      });
      expect(r.stateToWrite).toBeNull();
      expect(r.responseState).toBe(current);
    },
  );

  test("CANCELLING -> CANCELLED is accepted and emits an event", () => {
    const r = flowTransition(state("CANCELLING"), { type: "CANCELLED" });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Cancelled");
    expect(r.emitEvent).toBe(true);
  });

  test("CANCELLING -> PENDING is refused by the rule that comes first", () => {
    const r = flowTransition(state("CANCELLING"), { type: "PENDING" });
    expect(r.status).toBe("REJECT");
  });
});

describe("BypassCancellingFlowRunsWithNoInfra", () => {
  test("a scheduled run without infrastructure goes straight to Cancelled", () => {
    const r = flowTransition(state("SCHEDULED"), { type: "CANCELLING", message: "by user" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Scheduled flow run has no infrastructure to terminate.",
    });
    expect(r.stateToWrite?.type).toBe("CANCELLED");
    expect(r.stateToWrite?.name).toBe("Cancelled");
    expect(r.responseState).toBe(r.stateToWrite);
    expect(r.runUpdates.state_type).toBe("CANCELLED");
    expect(r.emitEvent).toBe(true);
  });

  test("a scheduled run with infrastructure (e.g. AwaitingRetry) goes through Cancelling", () => {
    const current = state("SCHEDULED", { name: "AwaitingRetry" });
    const r = flowTransition(current, { type: "CANCELLING" }, { run: { infrastructure_pid: "host:1234" } });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("CANCELLING");
  });

  test("a Resuming run has no infrastructure yet, whatever the pid says", () => {
    const r = flowTransition(
      state("SCHEDULED", { name: "Resuming" }),
      { type: "CANCELLING" },
      {
        run: { infrastructure_pid: "host:1" },
      },
    );
    expect(r.stateToWrite?.type).toBe("CANCELLED");
  });

  test("a suspended run is cancelled directly; an in-process pause goes through Cancelling", () => {
    const suspended = state("PAUSED", { name: "Suspended", state_details: { pause_reschedule: true } });
    const r = flowTransition(suspended, { type: "CANCELLING" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Suspended flow run has no infrastructure to terminate.",
    });
    expect(r.stateToWrite?.type).toBe("CANCELLED");

    // The process is still alive during a blocking pause, so the worker must get the Cancelling event.
    const paused = flowTransition(state("PAUSED"), { type: "CANCELLING" });
    expect(paused.status).toBe("ACCEPT");
    expect(paused.stateToWrite?.type).toBe("CANCELLING");
    expect(paused.emitEvent).toBe(true);
  });

  test("also applies with force=true (the UI cancels with force)", () => {
    const r = flowTransition(state("SCHEDULED"), { type: "CANCELLING" }, { force: true });
    expect(r.policy).toBe("MinimalFlowPolicy");
    expect(r.stateToWrite?.type).toBe("CANCELLED");
  });

  test("RUNNING -> CANCELLING is a plain accept", () => {
    const r = flowTransition(state("RUNNING"), { type: "CANCELLING" }, { run: { infrastructure_pid: "1" } });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Cancelling");
  });
});
