import { describe, expect, test } from "bun:test";
import { flowTransition, state, taskTransition } from "./helpers.ts";

describe("PreventPendingTransitions", () => {
  // CANCELLING is covered too, but EnforceCancellingToCancelledTransition rejects it first.
  test.each(["PENDING", "RUNNING", "CANCELLED"] as const)("%s -> PENDING aborts", (from) => {
    const current = state(from);
    const r = flowTransition(current, { type: "PENDING" });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({
      type: "abort_details",
      reason: `This run is in a ${from} state and cannot transition to a PENDING state.`,
    });
    expect(r.stateToWrite).toBeNull();
    expect(r.runUpdates).toEqual({});
  });

  // (PAUSED -> PENDING is refused by HandleResumingPausedFlows instead.)
  test.each([null, "SCHEDULED", "FAILED", "CRASHED", "COMPLETED"] as const)("%s -> PENDING is allowed", (from) => {
    const r = flowTransition(from ? state(from) : null, { type: "PENDING" });
    expect(r.status).toBe("ACCEPT");
  });

  test("named pending sub-states may follow each other, keeping scheduled_time and lease", () => {
    const current = state("PENDING", {
      state_details: { scheduled_time: "2026-08-21T11:00:00.000000Z", deployment_concurrency_lease_id: "lease-1" },
    });
    const r = flowTransition(current, {
      type: "PENDING",
      name: "Submitting",
      state_details: { scheduled_time: "2030-01-01T00:00:00Z" },
    });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Submitting");
    expect(r.stateToWrite?.state_details.scheduled_time).toBe("2026-08-21T11:00:00.000000Z");
    expect(r.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-1");

    const next = flowTransition(r.stateToWrite, { type: "PENDING", name: "InfrastructurePending" });
    expect(next.status).toBe("ACCEPT");
  });

  test("the same sub-state twice, or back to plain Pending, aborts", () => {
    const submitting = state("PENDING", { name: "Submitting" });
    expect(flowTransition(submitting, { type: "PENDING", name: "Submitting" }).status).toBe("ABORT");
    expect(flowTransition(submitting, { type: "PENDING" }).status).toBe("ABORT");
  });

  test("applies to background (deferred) task runs but not core task runs", () => {
    const current = state("PENDING");
    expect(taskTransition(current, { type: "PENDING", state_details: { deferred: true } }).status).toBe("ABORT");
    expect(taskTransition(current, { type: "PENDING" }).status).toBe("ACCEPT");
  });
});

describe("EnsureOnlyScheduledFlowsMarkedLate", () => {
  test("a scheduled run can be marked Late", () => {
    const current = state("SCHEDULED", { state_details: { scheduled_time: "2026-08-21T11:59:00.000000Z" } });
    const r = flowTransition(
      current,
      {
        type: "SCHEDULED",
        name: "Late",
        state_details: { scheduled_time: "2026-08-21T11:59:00.000000Z" },
      },
      { policy: "MarkLateRunsPolicy" },
    );
    expect(r.policy).toBe("MarkLateRunsPolicy");
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Late");
    expect(r.emitEvent).toBe(true);
  });

  test("non-scheduled runs cannot be marked Late", () => {
    for (const from of ["PENDING", "RUNNING", "COMPLETED"] as const) {
      const current = state(from);
      const r = flowTransition(current, { type: "SCHEDULED", name: "Late" }, { policy: "MarkLateRunsPolicy" });
      expect(r.status).toBe("REJECT");
      expect(r.details).toEqual({ type: "reject_details", reason: "Only scheduled flows can be marked late." });
      expect(r.responseState).toBe(current);
    }
  });

  test("a run already Late is not marked again", () => {
    const r = flowTransition(state("SCHEDULED", { name: "Late" }), { type: "SCHEDULED", name: "Late" });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "This flow run is already marked late." });
  });

  test("other scheduled names are untouched", () => {
    expect(flowTransition(state("RUNNING"), { type: "SCHEDULED", name: "AwaitingRetry" }).status).toBe("ACCEPT");
  });
});
