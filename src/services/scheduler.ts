// Prefect's scheduler services: the main pass every PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS (60 s)
// over every active schedule, and a fast pass every ..._RECENT_DEPLOYMENTS_LOOP_SECONDS (5 s) over the
// deployments changed since the last one, so a new or edited deployment has its runs within seconds.
// Both are idempotent (store/scheduler.ts): running them together, twice, or on two servers at once
// inserts each run once.
import { log } from "../core/logger.ts";
import type { SchedulerConfig } from "../settings/server-config.ts";
import type { SchedulerSettings, SchedulerStore } from "../store/scheduler.ts";
import type { RunSummary } from "./service.ts";

export function schedulerSettings(c: SchedulerConfig): SchedulerSettings {
  return {
    minRuns: c.minRuns,
    maxRuns: c.maxRuns,
    minScheduledSeconds: c.minScheduledSeconds,
    maxScheduledSeconds: c.maxScheduledSeconds,
    deploymentBatchSize: c.deploymentBatchSize,
    insertBatchSize: c.insertBatchSize,
  };
}

export function scheduleDeployments(deps: { scheduler: SchedulerStore; config: SchedulerConfig; recent?: boolean }) {
  const settings = schedulerSettings(deps.config);
  return async (): Promise<RunSummary> => {
    const inserted = await deps.scheduler.schedule(
      settings,
      deps.recent ? { recentSeconds: deps.config.recentLoopSeconds } : {},
    );
    if (inserted) log.info(`Scheduled ${inserted} runs.`);
    return `${inserted} run(s) scheduled`;
  };
}
