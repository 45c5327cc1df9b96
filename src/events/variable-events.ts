// The prefect.variable.* lifecycle events Prefect's server emits (events/schemas/lifecycle.py): created,
// updated and deleted, about prefect.variable.<id> named by the variable, with its name, value and tags.
import type { ReceivedEvent } from "./bus.ts";

interface VariableRef {
  id: string;
  name: string;
  value: unknown;
  tags: string[];
}

export function variableEvent(action: "created" | "updated" | "deleted", v: VariableRef, now: string): ReceivedEvent {
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: `prefect.variable.${action}`,
    resource: { "prefect.resource.id": `prefect.variable.${v.id}`, "prefect.resource.name": v.name },
    related: [],
    payload: { name: v.name, value: v.value ?? null, tags: v.tags },
    follows: null,
    received: now,
  };
}
