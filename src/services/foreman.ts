// Prefect's Foreman (services/foreman.py's monitor_worker_health): ONLINE workers without a heartbeat for
// PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE × their interval go OFFLINE; READY pools
// left without an online worker, and READY deployments and work queues nothing has polled lately,
// become NOT_READY, each with its status event (the work-pool entry point publishes them).
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import type { ForemanConfig } from "../settings/server-config.ts";
import type { RunSummary } from "./service.ts";

export function monitorWorkerHealth(deps: { workPools: WorkPoolTransitions; config: ForemanConfig }) {
  return async (): Promise<RunSummary> => {
    const n = await deps.workPools.foreman(deps.config);
    return `${n.workers} worker(s) offline, ${n.pools} pool(s), ${n.queues} queue(s) and ${n.deployments} deployment(s) not ready`;
  };
}
