// Which events an automation may react to (events/triggers.ts mayReact): anything that is not the
// automations' own; of those, only events a trigger names explicitly, never action events, never its
// own, and never one caused by another automation event.
import { describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { mayReact } from "../../src/events/triggers.ts";
import type { EventTrigger } from "../../src/schemas/automation-triggers.ts";

const trigger = (expect: string[] = [], after: string[] = []) =>
  ({
    type: "event",
    posture: "Reactive",
    expect,
    after,
    match: {},
    match_related: [],
    for_each: [],
    threshold: 1,
    within: 0,
  }) as unknown as EventTrigger;
const event = (name: string, resource = "prefect.automation.other", payload: Record<string, unknown> = {}) =>
  ({
    id: "e",
    occurred: "2026-01-01T00:00:00.000000Z",
    event: name,
    resource: { "prefect.resource.id": resource },
    related: [],
    payload,
    follows: null,
    received: "2026-01-01T00:00:00.000000Z",
  }) as unknown as ReceivedEvent;

describe("mayReact", () => {
  test("any event that is not an automation's own", () => {
    expect(mayReact(trigger(), "me", event("prefect.flow-run.Failed", "prefect.flow-run.x"))).toBe(true);
  });

  test("an automation event only for a trigger that names one", () => {
    expect(mayReact(trigger(), "me", event("prefect.automation.triggered"))).toBe(false);
    expect(mayReact(trigger(["prefect.*"]), "me", event("prefect.automation.triggered"))).toBe(false);
    expect(mayReact(trigger(["prefect.automation.triggered"]), "me", event("prefect.automation.triggered"))).toBe(true);
    expect(mayReact(trigger([], ["prefect.automation.*"]), "me", event("prefect.automation.resolved"))).toBe(true);
  });

  test("never action events, events about itself, or a firing another automation event caused", () => {
    const named = trigger(["prefect.automation.*"]);
    expect(mayReact(named, "me", event("prefect.automation.action.executed"))).toBe(false);
    expect(mayReact(named, "me", event("prefect.automation.triggered", "prefect.automation.me"))).toBe(false);
    const chained = event("prefect.automation.triggered", "prefect.automation.other", {
      triggering_event: { event: "prefect.automation.triggered" },
    });
    expect(mayReact(named, "me", chained)).toBe(false);
    const firstHop = event("prefect.automation.triggered", "prefect.automation.other", {
      triggering_event: { event: "prefect.flow-run.Failed" },
    });
    expect(mayReact(named, "me", firstHop)).toBe(true);
  });
});
