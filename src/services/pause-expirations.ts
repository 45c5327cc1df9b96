// Prefect's FailExpiredPauses service: a paused run whose pause timeout
// has passed is failed with Prefect's message, forced (nothing is left to resume it).
import { compareTimestamps, nowTimestamp } from "../core/time.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { RunSweepsStore } from "../store/run-sweeps.ts";
import type { RunSummary } from "./service.ts";

const BATCH = 200;
export const PAUSE_EXPIRED_MESSAGE = "The flow was paused and never resumed.";

export function failExpiredPauses(deps: { sweeps: RunSweepsStore; transitions: Transitions }) {
  return async (now = nowTimestamp()): Promise<RunSummary> => {
    let failed = 0;
    for (let after: string | null = null; ; ) {
      const paused = await deps.sweeps.paused(after, BATCH);
      for (const run of paused) {
        if (run.pause_timeout === null || compareTimestamps(run.pause_timeout, now) >= 0) continue;
        const outcome = await deps.transitions.setFlowRunState(
          run.id,
          { type: "FAILED", message: PAUSE_EXPIRED_MESSAGE },
          { force: true },
        );
        if (outcome?.result.status === "ACCEPT") failed++;
      }
      if (paused.length < BATCH) break;
      after = paused.at(-1)!.id;
    }
    return `${failed} expired pause(s) failed`;
  };
}
