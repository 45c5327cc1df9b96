import {
  abort,
  accept,
  ALL_STATES,
  flowPolicy,
  reject,
  TERMINAL_FROM,
  type FlowRunSnapshot,
  type Rule,
  type TaskRunSnapshot,
} from "../context.ts";
import {
  hasPersistedResult,
  isPersistedResultData,
  isTerminal,
  TERMINAL_STATES,
  type State,
  type StateDraft,
} from "../states.ts";

const NOT_FROM_TERMINAL = new Set(["CANCELLING", "PAUSED", "CRASHED"]);

/** Re-completing a run whose result is in storage with one that is not would orphan that result. */
function wouldDropPersistedResult(initial: State, proposed: StateDraft): boolean {
  return (
    initial.type === "COMPLETED" &&
    proposed.type === "COMPLETED" &&
    hasPersistedResult(initial) &&
    !isPersistedResultData(proposed.data)
  );
}

const DATA_LOSS = "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.";

/**
 * A finished flow may be re-run (manually, or by an automation) unless its result is persisted; it can
 * never be marked cancelling/paused/crashed afterwards, and only deployed runs can be rescheduled.
 * Leaving a terminal state resets pause bookkeeping so a manual retry can pause again.
 */
export const HandleFlowTerminalStateTransitions: Rule = {
  name: "HandleFlowTerminalStateTransitions",
  from: TERMINAL_FROM,
  to: ALL_STATES,
  before({ initial, proposed, run }) {
    if (!initial) return accept();
    if (NOT_FROM_TERMINAL.has(proposed.type)) {
      return abort(`Run is already in terminal state ${initial.type}.`);
    }
    if (initial.type === "COMPLETED" && !isTerminal(proposed.type) && hasPersistedResult(initial)) {
      return reject(null, "Run is already COMPLETED.");
    }
    if (wouldDropPersistedResult(initial, proposed)) return reject(null, DATA_LOSS);
    if (proposed.type === "SCHEDULED" && !(run as FlowRunSnapshot).deployment_id) {
      return abort("Cannot reschedule a run without an associated deployment.");
    }
    if (!isTerminal(proposed.type)) {
      const empirical_policy = {
        ...flowPolicy(run),
        resuming: false,
        pause_keys: [],
        retry_type: proposed.type === "SCHEDULED" ? ("reschedule" as const) : null,
      };
      return accept(undefined, { empirical_policy });
    }
    return accept();
  },
};

/** The part of the terminal rule that still applies with force=true (MinimalFlowPolicy). */
export const PreventResultDataLoss: Rule = {
  name: "PreventResultDataLoss",
  from: TERMINAL_FROM,
  to: TERMINAL_STATES,
  before({ initial, proposed }) {
    if (initial && wouldDropPersistedResult(initial, proposed)) return reject(null, DATA_LOSS);
    return accept();
  },
};

/**
 * Tasks may leave a terminal state (flow retries re-run them) unless they completed with a persisted
 * result. Going back to a non-final state resets run_count so task retries start over; the new attempt
 * is named Retrying when it belongs to a newer flow-run attempt.
 */
export const HandleTaskTerminalStateTransitions: Rule = {
  name: "HandleTaskTerminalStateTransitions",
  from: TERMINAL_FROM,
  to: ALL_STATES,
  before({ initial, proposed, run, flowRun }) {
    if (!initial) return accept();
    if (NOT_FROM_TERMINAL.has(proposed.type)) {
      return abort(`Run is already ${initial.type}.`);
    }
    if (initial.type === "COMPLETED" && hasPersistedResult(initial)) {
      return reject(null, "This run is already completed.");
    }
    const task = run as TaskRunSnapshot;
    const runUpdates = isTerminal(proposed.type) ? undefined : { run_count: 0 };
    if (proposed.type === "RUNNING" && task.flow_run_id != null && flowRun) {
      if ((task.flow_run_run_count ?? 0) < flowRun.run_count) {
        return accept({ ...proposed, name: "Retrying" }, runUpdates);
      }
    }
    return accept(undefined, runUpdates);
  },
};
