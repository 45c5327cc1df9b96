import { abort, accept, ALL_FROM, reject, states, type Rule } from "../context.ts";
import { makeDraft } from "../states.ts";

const NOT_RUNNING = "The enclosing flow must be running to begin task execution.";

/**
 * A task runs only while its flow runs. Tasks of a paused flow wait as Paused/"NotReady" carrying the
 * flow's pause timeout, so they resume with it; any other flow state stops the task. The store
 * pre-loads the enclosing flow run (null when the task has none).
 */
export const PreventRunningTasksFromStoppedFlows: Rule = {
  name: "PreventRunningTasksFromStoppedFlows",
  from: ALL_FROM,
  to: states("RUNNING"),
  before({ flowRun }) {
    if (!flowRun) return accept();
    const flowState = flowRun.state;
    if (!flowState) return abort(NOT_RUNNING);
    if (flowState.type === "PAUSED") {
      return reject(
        makeDraft("PAUSED", {
          name: "NotReady",
          state_details: {
            pause_timeout: flowState.state_details.pause_timeout ?? null,
            pause_reschedule: flowState.state_details.pause_reschedule ?? false,
          },
        }),
        `The flow is paused, new tasks can execute after resuming flow run: ${flowRun.id}.`,
      );
    }
    if (flowState.type !== "RUNNING") return abort(NOT_RUNNING);
    return accept();
  },
};
