// Runs with the names a runs table shows beside them: their flow's, and their deployment's when they
// were made from one that still exists. One query for each kind, whatever the number of runs.
import type { FlowRunJson } from "../store/run-shapes.ts";
import type { UiDeps } from "./deps.ts";

export async function withFlowNames(stores: UiDeps["stores"], runs: FlowRunJson[]) {
  const ids = [...new Set(runs.map((r) => r.flow_id))];
  const depIds = [...new Set(runs.flatMap((r) => (r.deployment_id ? [r.deployment_id] : [])))];
  const [flows, deployments] = await Promise.all([
    ids.length ? stores.flows.filter({ flows: { id: { any_: ids } } }, { limit: ids.length, offset: 0 }) : [],
    depIds.length
      ? stores.deployments.filter({ deployments: { id: { any_: depIds } } }, { limit: depIds.length, offset: 0 })
      : [],
  ]);
  const names = new Map(flows.map((f) => [f.id, f.name]));
  const depNames = new Map(deployments.map((d) => [d.id, d.name]));
  return runs.map((r) => ({
    ...r,
    flowName: names.get(r.flow_id) ?? null,
    deploymentName: r.deployment_id ? (depNames.get(r.deployment_id) ?? null) : null,
  }));
}
