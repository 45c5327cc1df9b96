import type { Transform } from "../context.ts";

/**
 * Every flow-run state that is written becomes a prefect.flow-run.<name> event (§5.6); workers watch
 * for Cancelling events to kill infrastructure. The store emits it after the transaction commits.
 */
export const InstrumentFlowRunStateTransitions: Transform = {
  name: "InstrumentFlowRunStateTransitions",
  universal: true,
  after({ kind, validated }) {
    return { emitEvent: kind === "flow_run" && validated !== null };
  },
};
