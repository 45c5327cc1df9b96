import { accept, ALL_FROM, states, type Rule, type TaskRunSnapshot } from "../context.ts";

/** A run entering RUNNING again says so in its name: Retrying after AwaitingRetry, else Rerunning. */
export const RenameReruns: Rule = {
  name: "RenameReruns",
  from: ALL_FROM,
  to: states("RUNNING"),
  before({ initial, proposed, run }) {
    if (!initial || run.run_count <= 0) return accept();
    return accept({ ...proposed, name: initial.name === "AwaitingRetry" ? "Retrying" : "Rerunning" });
  },
};

/**
 * Records which flow-run attempt a task attempt belongs to; HandleTaskTerminalStateTransitions compares
 * it with the flow's run_count to detect flow retries.
 */
export const UpdateFlowRunTrackerOnTasks: Rule = {
  name: "UpdateFlowRunTrackerOnTasks",
  from: ALL_FROM,
  to: states("RUNNING"),
  before: () => accept(),
  after({ run, flowRun }) {
    if ((run as TaskRunSnapshot).flow_run_id == null || !flowRun) return {};
    return { runUpdates: { flow_run_run_count: flowRun.run_count } };
  },
};
