import { accept, except, reject, states, type FlowRunSnapshot, type Rule } from "../context.ts";
import { makeDraft } from "../states.ts";

/** Cancelling tears down infrastructure; only the infrastructure owner may finish it, as Cancelled. */
export const EnforceCancellingToCancelledTransition: Rule = {
  name: "EnforceCancellingToCancelledTransition",
  from: states("CANCELLING"),
  to: except("CANCELLED"),
  before() {
    return reject(null, "Cannot transition flows that are cancelling to a state other than Cancelled.");
  },
};

/**
 * Cancelling exists so a worker can kill infrastructure. A scheduled run without infrastructure, a run
 * about to resume from suspension, or a suspended run has none, so it goes straight to Cancelled.
 * (AwaitingRetry runs are SCHEDULED but may still have infrastructure, hence the pid check.)
 */
export const BypassCancellingFlowRunsWithNoInfra: Rule = {
  name: "BypassCancellingFlowRunsWithNoInfra",
  from: states("SCHEDULED", "PAUSED"),
  to: states("CANCELLING"),
  before({ initial, run }) {
    if (!initial) return accept();
    const pid = (run as FlowRunSnapshot).infrastructure_pid;
    if ((initial.type === "SCHEDULED" && !pid) || initial.name === "Resuming") {
      return reject(makeDraft("CANCELLED"), "Scheduled flow run has no infrastructure to terminate.");
    }
    if (initial.type === "PAUSED" && initial.state_details.pause_reschedule) {
      return reject(makeDraft("CANCELLED"), "Suspended flow run has no infrastructure to terminate.");
    }
    return accept();
  },
};
