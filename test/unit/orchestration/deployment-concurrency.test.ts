import { describe, expect, test } from "bun:test";
import { CoreFlowPolicy } from "../../../src/orchestration/policies.ts";
import type { DeploymentConcurrency } from "../../../src/orchestration/context.ts";
import { clientRenewsLeases } from "../../../src/orchestration/rules/deployment-concurrency.ts";
import { DEPLOYMENT_ID, flowTransition, state } from "./helpers.ts";

const dc = (over: Partial<DeploymentConcurrency> = {}): DeploymentConcurrency => ({
  found: true,
  limit: { id: "limit-1", limit: 1, active_slots: 0 },
  strategy: "ENQUEUE",
  leaseSeconds: 300,
  slotWaitSeconds: 30,
  leaseAlive: true,
  newLeaseId: "lease-new",
  ...over,
});
const run = { deployment_id: DEPLOYMENT_ID };

const withLease = (type: Parameters<typeof state>[0], lease = "lease-1") =>
  state(type, { state_details: { deployment_concurrency_lease_id: lease } });

describe("deployment concurrency rules", () => {
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
    expect(flowTransition(withLease("PENDING"), { type: "RUNNING" }, { run, clientVersion: "3.9.1" }).effects).toEqual(
      [],
    );
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

  test("entering PENDING takes a slot under a new lease, or waits, cancels or aborts", () => {
    const free = flowTransition(state("SCHEDULED"), { type: "PENDING" }, { run, deploymentConcurrency: dc() });
    expect(free.status).toBe("ACCEPT");
    expect(free.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-new");
    expect(free.effects).toEqual([
      { kind: "take_deployment_concurrency_slot", limit_id: "limit-1", lease_id: "lease-new", lease_seconds: 300 },
    ]);
    const full = { limit: { id: "limit-1", limit: 1, active_slots: 1 } };
    const queued = flowTransition(state("SCHEDULED"), { type: "PENDING" }, { run, deploymentConcurrency: dc(full) });
    expect(queued.status).toBe("REJECT");
    expect(queued.stateToWrite?.name).toBe("AwaitingConcurrencySlot");
    expect(queued.effects).toEqual([]);
    const cancelled = flowTransition(
      state("SCHEDULED"),
      { type: "PENDING" },
      { run, deploymentConcurrency: dc({ ...full, strategy: "CANCEL_NEW" }) },
    );
    expect(cancelled.stateToWrite?.type).toBe("CANCELLED");
    const zero = dc({ limit: { id: "limit-1", limit: 0, active_slots: 0 } });
    expect(flowTransition(state("SCHEDULED"), { type: "PENDING" }, { run, deploymentConcurrency: zero }).status).toBe(
      "ABORT",
    );
    const gone = dc({ found: false });
    expect(flowTransition(state("SCHEDULED"), { type: "PENDING" }, { run, deploymentConcurrency: gone }).status).toBe(
      "ABORT",
    );
  });

  test("RUNNING renews a live lease, retakes a lost one when free, else cancels; old clients drop it", () => {
    const opts = { run, clientVersion: "3.9.1" };
    const renewed = flowTransition(withLease("PENDING"), { type: "RUNNING" }, { ...opts, deploymentConcurrency: dc() });
    expect(renewed.effects).toEqual([
      { kind: "renew_deployment_concurrency_lease", lease_id: "lease-1", lease_seconds: 300 },
    ]);
    const lost = dc({ leaseAlive: false });
    const retaken = flowTransition(withLease("PENDING"), { type: "RUNNING" }, { ...opts, deploymentConcurrency: lost });
    expect(retaken.stateToWrite?.state_details.deployment_concurrency_lease_id).toBe("lease-new");
    const none = dc({ leaseAlive: false, limit: { id: "limit-1", limit: 1, active_slots: 1 } });
    const cancelled = flowTransition(
      withLease("PENDING"),
      { type: "RUNNING" },
      { ...opts, deploymentConcurrency: none },
    );
    expect(cancelled.stateToWrite?.type).toBe("CANCELLED");
    const old = flowTransition(withLease("PENDING"), { type: "RUNNING" }, { run, clientVersion: "3.4.0" });
    expect(old.effects).toEqual([{ kind: "drop_deployment_concurrency_lease", lease_id: "lease-1" }]);
    expect([clientRenewsLeases("3.4.11"), clientRenewsLeases("3.10.0"), clientRenewsLeases("3.4.2")]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
