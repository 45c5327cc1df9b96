// Ordered rule lists, as in Prefect 3.9's core_policy.py. Order matters: the first rule that rejects, waits
// or aborts decides, and later rules only see what earlier ones let through (see engine.ts).
import type { PolicyEntry, RunKind } from "./context.ts";
import type { StateCreate } from "./states.ts";
import { EnqueueScheduledTasks } from "./rules/background-tasks.ts";
import { CacheInsertion, CacheRetrieval } from "./rules/caching.ts";
import { BypassCancellingFlowRunsWithNoInfra, EnforceCancellingToCancelledTransition } from "./rules/cancelling.ts";
import {
  EnforceDeploymentConcurrencyOnLate,
  PreserveDeploymentConcurrencyLeaseId,
  ReleaseFlowConcurrencySlots,
  RemoveDeploymentConcurrencyLeaseForOldClientVersions,
  SecureFlowConcurrencySlots,
  ValidateDeploymentConcurrencyAtRunning,
} from "./rules/deployment-concurrency.ts";
import { PreventDuplicateTransitions } from "./rules/duplicate-transitions.ts";
import { InstrumentFlowRunStateTransitions } from "./rules/instrumentation.ts";
import { EnsureOnlyScheduledFlowsMarkedLate } from "./rules/late-runs.ts";
import { HandlePausingFlows, HandleResumingPausedFlows } from "./rules/pausing.ts";
import { PreventPendingTransitions } from "./rules/pending-transitions.ts";
import { RenameReruns, UpdateFlowRunTrackerOnTasks } from "./rules/reruns.ts";
import { RetryFailedFlows, RetryFailedTasks } from "./rules/retries.ts";
import { CopyScheduledTime, CopyTaskParametersID, WaitForScheduledTime } from "./rules/scheduled-time.ts";
import { PreventRunningTasksFromStoppedFlows } from "./rules/stopped-flows.ts";
import { ReleaseTaskConcurrencySlots, SecureTaskConcurrencySlots } from "./rules/task-concurrency.ts";
import {
  HandleFlowTerminalStateTransitions,
  HandleTaskTerminalStateTransitions,
  PreventResultDataLoss,
} from "./rules/terminal-transitions.ts";

export interface Policy {
  name: PolicyName;
  kind: RunKind;
  entries: readonly PolicyEntry[];
}

export type PolicyName =
  | "CoreFlowPolicy"
  | "MinimalFlowPolicy"
  | "MarkLateRunsPolicy"
  | "CoreTaskPolicy"
  | "ClientSideTaskOrchestrationPolicy"
  | "BackgroundTaskPolicy"
  | "MinimalTaskPolicy";

/** Flow runs with force=false (contract §5.4, numbered as there). */
export const CoreFlowPolicy: Policy = {
  name: "CoreFlowPolicy",
  kind: "flow_run",
  entries: [
    PreserveDeploymentConcurrencyLeaseId, // 1
    PreventDuplicateTransitions, // 2
    HandleFlowTerminalStateTransitions, // 3
    EnforceCancellingToCancelledTransition, // 4
    BypassCancellingFlowRunsWithNoInfra, // 5
    PreventPendingTransitions, // 6
    ValidateDeploymentConcurrencyAtRunning, // 7 (lease renewal is a TODO)
    SecureFlowConcurrencySlots, // 8 (placeholder)
    RemoveDeploymentConcurrencyLeaseForOldClientVersions, // 9 (placeholder)
    EnsureOnlyScheduledFlowsMarkedLate, // 10
    HandlePausingFlows, // 11
    HandleResumingPausedFlows, // 12
    CopyScheduledTime, // 13
    WaitForScheduledTime, // 14
    RetryFailedFlows, // 15
    InstrumentFlowRunStateTransitions, // 16
    ReleaseFlowConcurrencySlots, // 17 (the release is a store effect)
  ],
};

/** Flow runs with force=true, and run creation. */
export const MinimalFlowPolicy: Policy = {
  name: "MinimalFlowPolicy",
  kind: "flow_run",
  entries: [
    PreserveDeploymentConcurrencyLeaseId,
    PreventResultDataLoss,
    BypassCancellingFlowRunsWithNoInfra, // the UI cancels scheduled or suspended runs with force
    InstrumentFlowRunStateTransitions,
    ReleaseFlowConcurrencySlots,
  ],
};

/** Used by the late-runs service. */
export const MarkLateRunsPolicy: Policy = {
  name: "MarkLateRunsPolicy",
  kind: "flow_run",
  entries: [EnsureOnlyScheduledFlowsMarkedLate, EnforceDeploymentConcurrencyOnLate, InstrumentFlowRunStateTransitions],
};

/** REST task-run set_state with force=false. */
export const CoreTaskPolicy: Policy = {
  name: "CoreTaskPolicy",
  kind: "task_run",
  entries: [
    CacheRetrieval,
    HandleTaskTerminalStateTransitions,
    PreventRunningTasksFromStoppedFlows,
    SecureTaskConcurrencySlots, // after CacheRetrieval: cached states are served even when slots are full
    CopyScheduledTime,
    WaitForScheduledTime,
    RetryFailedTasks,
    RenameReruns,
    UpdateFlowRunTrackerOnTasks,
    CacheInsertion,
    ReleaseTaskConcurrencySlots,
  ],
};

/** Kept for parity with Prefect; not wired to a route there either. */
export const ClientSideTaskOrchestrationPolicy: Policy = {
  name: "ClientSideTaskOrchestrationPolicy",
  kind: "task_run",
  entries: CoreTaskPolicy.entries.filter((e) => e !== SecureTaskConcurrencySlots),
};

/** Task runs whose proposed state is deferred (background tasks served to task workers). */
export const BackgroundTaskPolicy: Policy = {
  name: "BackgroundTaskPolicy",
  kind: "task_run",
  entries: [
    PreventPendingTransitions,
    CacheRetrieval,
    HandleTaskTerminalStateTransitions,
    CopyScheduledTime,
    CopyTaskParametersID,
    WaitForScheduledTime,
    RetryFailedTasks,
    RenameReruns,
    UpdateFlowRunTrackerOnTasks,
    CacheInsertion,
    ReleaseTaskConcurrencySlots,
    EnqueueScheduledTasks,
  ],
};

/** Task runs with force=true (including the parent task run that mirrors a subflow). */
export const MinimalTaskPolicy: Policy = {
  name: "MinimalTaskPolicy",
  kind: "task_run",
  entries: [ReleaseTaskConcurrencySlots],
};

export const POLICIES: Record<PolicyName, Policy> = {
  CoreFlowPolicy,
  MinimalFlowPolicy,
  MarkLateRunsPolicy,
  CoreTaskPolicy,
  ClientSideTaskOrchestrationPolicy,
  BackgroundTaskPolicy,
  MinimalTaskPolicy,
};

/**
 * Prefect's choice: force means the minimal policy, except that a deferred task proposal always gets
 * the background policy (models/task_runs.py checks deferred first).
 */
export function selectPolicy(
  kind: RunKind,
  force: boolean,
  proposed: StateCreate | null | undefined,
  requested?: PolicyName | null,
): Policy {
  if (kind === "flow_run") {
    if (force) return MinimalFlowPolicy;
    const chosen = requested ? POLICIES[requested] : CoreFlowPolicy;
    if (chosen.kind !== kind) throw new Error(`${chosen.name} is not a flow-run policy`);
    return chosen;
  }
  if (proposed?.state_details?.deferred) return BackgroundTaskPolicy;
  if (force) return MinimalTaskPolicy;
  const chosen = requested ? POLICIES[requested] : CoreTaskPolicy;
  if (chosen.kind !== kind) throw new Error(`${chosen.name} is not a task-run policy`);
  return chosen;
}
