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

interface FiredAutomation {
  id: string;
  name: string;
  trigger: { type: string; posture?: string };
}

/**
 * prefect.automation.triggered (or resolved) about the automation, naming the event that caused it
 * (Prefect's create_automation_state_change_event; the posture only for an event trigger). A resolved
 * event follows the triggered one it ends.
 */
export function automationStateEvent(
  state: "triggered" | "resolved",
  a: FiredAutomation,
  posture: string | undefined,
  labels: Record<string, string>,
  triggering: ReceivedEvent | null,
  at: { now: string; follows?: string },
): ReceivedEvent {
  const now = at.now;
  const resource: Record<string, string> = {
    "prefect.resource.id": `prefect.automation.${a.id}`,
    "prefect.resource.name": a.name,
  };
  if (posture) resource["prefect.posture"] = posture;
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: `prefect.automation.${state}`,
    resource,
    related: triggering
      ? [{ "prefect.resource.id": `prefect.event.${triggering.id}`, "prefect.resource.role": "triggering-event" }]
      : [],
    payload: { triggering_labels: labels, triggering_event: triggering },
    follows: at.follows ?? null,
    received: now,
  };
}

export interface ActionRecord {
  id: string;
  action_index: number;
  action: { type: string };
  triggered: string;
  triggering_event: ReceivedEvent | null;
  automation_triggered_event_id: string | null;
}

/**
 * prefect.automation.action.triggered and then .executed or .failed, as Prefect's Action.succeed()
 * and fail() emit them: about the automation, related to the automation.triggered event and the
 * triggering event, the second following the first.
 */
export function actionOutcomeEvents(
  a: FiredAutomation,
  rec: ActionRecord,
  outcome:
    | { ok: true; details?: Record<string, unknown> }
    | { ok: false; reason: string; details?: Record<string, unknown> },
  now: string,
): ReceivedEvent[] {
  const resource: Record<string, string> = {
    "prefect.resource.id": `prefect.automation.${a.id}`,
    "prefect.resource.name": a.name,
    "prefect.trigger-type": a.trigger.type,
  };
  if (a.trigger.type === "event" && a.trigger.posture) resource["prefect.posture"] = a.trigger.posture;
  const related: Array<Record<string, string>> = [];
  if (rec.automation_triggered_event_id)
    related.push({
      "prefect.resource.id": `prefect.event.${rec.automation_triggered_event_id}`,
      "prefect.resource.role": "automation-triggered-event",
    });
  if (rec.triggering_event)
    related.push({
      "prefect.resource.id": `prefect.event.${rec.triggering_event.id}`,
      "prefect.resource.role": "triggering-event",
    });
  const details = { action_index: rec.action_index, action_type: rec.action.type, invocation: rec.id };
  const triggeredId = Bun.randomUUIDv7();
  const tight =
    rec.triggering_event &&
    Math.abs(Date.parse(rec.triggered) - Date.parse(rec.triggering_event.occurred)) < 5 * 60_000;
  return [
    {
      id: triggeredId,
      occurred: rec.triggered,
      event: "prefect.automation.action.triggered",
      resource,
      related,
      payload: details,
      follows: tight ? rec.triggering_event!.id : null,
      received: now,
    },
    {
      id: Bun.randomUUIDv7(),
      occurred: now,
      event: outcome.ok ? "prefect.automation.action.executed" : "prefect.automation.action.failed",
      resource,
      related,
      payload: outcome.ok
        ? { ...details, ...outcome.details }
        : { ...details, reason: outcome.reason, ...outcome.details },
      follows: triggeredId,
      received: now,
    },
  ];
}
