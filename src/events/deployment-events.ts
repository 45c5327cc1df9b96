// The prefect.deployment.* events the server emits (Prefect's models/events.py): created, updated (with
// the changed fields), deleted, and the status changes ready / not-ready. Automations and the dashboard
// read them; flow.serve() and workers make deployments READY by polling.
import type { ReceivedEvent } from "./bus.ts";

export type DeploymentEventKind = "created" | "updated" | "deleted" | "ready" | "not-ready";

export interface DeploymentEventInput {
  deployment: { id: string; name: string; flow_id: string };
  flowName: string | null;
  updates?: Record<string, { from: unknown; to: unknown }>;
}

export function deploymentEvent(kind: DeploymentEventKind, e: DeploymentEventInput, now: string): ReceivedEvent {
  const related: Array<Record<string, string>> = [
    {
      "prefect.resource.id": `prefect.flow.${e.deployment.flow_id}`,
      ...(e.flowName ? { "prefect.resource.name": e.flowName } : {}),
      "prefect.resource.role": "flow",
    },
  ];
  const payload: Record<string, unknown> =
    kind === "updated" && e.updates ? { updated_fields: Object.keys(e.updates), updates: e.updates } : {};
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: `prefect.deployment.${kind}`,
    resource: {
      "prefect.resource.id": `prefect.deployment.${e.deployment.id}`,
      "prefect.resource.name": e.deployment.name,
    },
    related,
    payload,
    follows: null,
    received: now,
  };
}
