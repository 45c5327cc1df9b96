import { describe, expect, test } from "bun:test";
import { CoreFlowPolicy } from "../../../src/orchestration/policies.ts";
import { DEPLOYMENT_ID, flowTransition, state } from "./helpers.ts";

const withLease = (type: Parameters<typeof state>[0], lease = "lease-1") =>
  state(type, { state_details: { deployment_concurrency_lease_id: lease } });

describe("deployment concurrency (pure parts; slots and leases are TODO)", () => {
  test("the policy keeps every rule in contract order, placeholders included", () => {
    expect(CoreFlowPolicy.entries.map((e) => e.name)).toEqual([
      "PreserveDeploymentConcurrencyLeaseId",
      "PreventDuplicateTransitions",
      "HandleFlowTerminalStateTransitions",
      "EnforceCancellingToCancelledTransition",
      "BypassCancellingFlowRunsWithNoInfra",
      "PreventPendingTransitions",
      "ValidateDeploymentConcurrencyAtRunning",
      "SecureFlowConcurrencySlots",
      "RemoveDeploymentConcurrencyLeaseForOldClientVersions",
      "EnsureOnlyScheduledFlowsMarkedLate",
      "HandlePausingFlows",
      "HandleResumingPausedFlows",
      "CopyScheduledTime",
      "WaitForScheduledTime",
      "RetryFailedFlows",
      "InstrumentFlowRunStateTransitions",
      "ReleaseFlowConcurrencySlots",
    ]);
  });

  test("PreserveDeploymentConcurrencyLeaseId copies the lease when the proposal has none", () => {
    const r = flowTransition(withLease("PENDING"), { type: "RUNNING" });
    expect(r.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-1");
    const own = flowTransition(withLease("RUNNING"), {
      type: "COMPLETED",
      state_details: { deployment_concurrency_lease_id: "lease-2" },
    });
    expect(own.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-2");
  });

  test("ValidateDeploymentConcurrencyAtRunning carries the current lease id at PENDING -> RUNNING", () => {
    const r = flowTransition(withLease("PENDING"), {
      type: "RUNNING",
      state_details: { deployment_concurrency_lease_id: "stale" },
    });
    expect(r.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-1");
  });

  test("leaving RUNNING for a final state asks the store to release the slot", () => {
    const r = flowTransition(withLease("RUNNING"), { type: "COMPLETED" }, { run: { deployment_id: DEPLOYMENT_ID } });
    expect(r.effects).toEqual([
      { kind: "release_deployment_concurrency_slot", deployment_id: DEPLOYMENT_ID, lease_id: "lease-1" },
    ]);
  });

  test("no release while still holding the slot, without a deployment, or when nothing is written", () => {
    const run = { deployment_id: DEPLOYMENT_ID };
    expect(flowTransition(withLease("PENDING"), { type: "RUNNING" }, { run }).effects).toEqual([]);
    expect(flowTransition(withLease("RUNNING"), { type: "CANCELLING" }, { run }).effects).toEqual([]);
    expect(flowTransition(withLease("RUNNING"), { type: "COMPLETED" }).effects).toEqual([]);
    expect(flowTransition(withLease("SCHEDULED"), { type: "PENDING" }, { run }).effects).toEqual([]);
    expect(flowTransition(withLease("RUNNING"), { type: "PENDING" }, { run }).effects).toEqual([]); // aborted
  });

  test("an in-process retry keeps its lease and its slot", () => {
    const r = flowTransition(
      withLease("RUNNING"),
      { type: "FAILED" },
      {
        run: { deployment_id: DEPLOYMENT_ID, run_count: 1, empirical_policy: { retries: 1 } },
      },
    );
    expect(r.stateToWrite?.name).toBe("AwaitingRetry");
    expect(r.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-1");
    expect(r.effects).toEqual([]);
    // A directly proposed AwaitingRetry (e.g. SIGTERM reschedule) leaves the process: released.
    const direct = flowTransition(
      withLease("RUNNING"),
      { type: "SCHEDULED", name: "AwaitingRetry" },
      {
        run: { deployment_id: DEPLOYMENT_ID },
      },
    );
    expect(direct.effects.map((e) => e.kind)).toEqual(["release_deployment_concurrency_slot"]);
  });

  test("force=true keeps the lease id on the new state", () => {
    const r = flowTransition(withLease("RUNNING"), { type: "COMPLETED" }, { force: true });
    expect(r.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-1");
  });

  test("force=true still releases (MinimalFlowPolicy)", () => {
    const r = flowTransition(
      withLease("RUNNING"),
      { type: "CANCELLED" },
      { run: { deployment_id: DEPLOYMENT_ID }, force: true },
    );
    expect(r.effects).toEqual([
      { kind: "release_deployment_concurrency_slot", deployment_id: DEPLOYMENT_ID, lease_id: "lease-1" },
    ]);
  });
});
