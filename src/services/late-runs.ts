// Prefect's MarkLateRuns service: a run still Scheduled once its start is more
// than PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS past becomes Late, through MarkLateRunsPolicy
// (which marks only runs that are still waiting, and only once).
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { RunSweepsStore } from "../store/run-sweeps.ts";
import type { RunSummary } from "./service.ts";

/** Prefect's batch. */
const BATCH = 400;

export function markLateRuns(deps: { sweeps: RunSweepsStore; transitions: Transitions; afterSeconds: number }) {
  return async (now = nowTimestamp()): Promise<RunSummary> => {
    const due = await deps.sweeps.dueScheduled(addSeconds(now, -deps.afterSeconds), BATCH);
    let marked = 0;
    for (const run of due) {
      const outcome = await deps.transitions.setFlowRunState(
        run.id,
        { type: "SCHEDULED", name: "Late", state_details: { scheduled_time: run.next_scheduled_start_time } },
        { policy: "MarkLateRunsPolicy" },
      );
      if (outcome?.result.status === "ACCEPT") marked++;
    }
    return `${marked} run(s) marked late`;
  };
}
