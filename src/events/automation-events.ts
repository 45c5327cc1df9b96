// The prefect.automation.* lifecycle events Prefect's server emits (events/schemas/lifecycle.py): created,
// updated and deleted, about prefect.automation.<id> named by the automation, with the automation as
// its payload.
import type { ReceivedEvent } from "./bus.ts";

interface AutomationRef {
  id: string;
  name: string;
}

export function automationEvent(
  action: "created" | "updated" | "deleted",
  a: AutomationRef,
  now: string,
): ReceivedEvent {
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: `prefect.automation.${action}`,
    resource: { "prefect.resource.id": `prefect.automation.${a.id}`, "prefect.resource.name": a.name },
    related: [],
    payload: { ...a },
    follows: null,
    received: now,
  };
}
