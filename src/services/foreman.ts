// Prefect's Foreman, its deployment part: a READY deployment whose runs nothing has polled for
// PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS (its serve() process or
// workers are gone) becomes NOT_READY, with a prefect.deployment.not-ready event. Workers, work pools and
// work queues join it with the work-pool work.
import type { DeploymentTransitions } from "../orchestration/deployments.ts";
import type { RunSummary } from "./service.ts";

export function monitorDeployments(deps: { deployments: DeploymentTransitions; timeoutSeconds: number }) {
  return async (): Promise<RunSummary> => {
    const n = await deps.deployments.markNotReady(deps.timeoutSeconds);
    return `${n} deployment(s) marked not ready`;
  };
}
