// The trigger index (events/trigger-index.ts) narrows the leaves an event is tried against; covers()
// still decides. So: every leaf that covers an event is among its candidates (checked over every pair
// of a set of triggers and events), leaves filed under other names or requiring another related
// resource are not, the automations' order is kept, and awaits() says whether any may want the event.
import { expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { triggerIndex } from "../../src/events/trigger-index.ts";
import { covers } from "../../src/events/triggers.ts";
import type { EventTrigger, Trigger } from "../../src/schemas/automation-triggers.ts";

const leaf = (id: string, expect: string[], related: unknown = {}, after: string[] = []) =>
  ({
    id,
    type: "event",
    posture: "Reactive",
    expect,
    after,
    match: { "prefect.resource.id": "prefect.flow-run.*" },
    match_related: related,
    for_each: [],
    threshold: 1,
    within: 0,
  }) as unknown as EventTrigger;
const automation = (id: string, trigger: Trigger) => ({ automation: { id, trigger } });
const event = (name: string, tags: string[]) =>
  ({
    id: crypto.randomUUID(),
    occurred: "2026-01-01T00:00:00.000000Z",
    event: name,
    resource: { "prefect.resource.id": "prefect.flow-run.1" },
    related: [
      { "prefect.resource.id": "prefect.flow.9", "prefect.resource.role": "flow" },
      ...tags.map((t) => ({ "prefect.resource.id": `prefect.tag.${t}`, "prefect.resource.role": "tag" })),
    ],
    payload: {},
  }) as unknown as ReceivedEvent;
const tag = (t: string) => ({ "prefect.resource.id": `prefect.tag.${t}`, "prefect.resource.role": "tag" });

const loaded = [
  automation("etl-failed", leaf("l1", ["prefect.flow-run.Failed"], tag("etl"))),
  automation("any-completed", leaf("l2", ["prefect.flow-run.Completed"])),
  automation("wild", leaf("l3", ["prefect.flow-run.*"], tag("etl"))),
  automation("everything", leaf("l4", [])),
  automation(
    "one-of-two",
    leaf("l5", ["prefect.flow-run.Failed"], { "prefect.resource.id": ["prefect.tag.a", "prefect.tag.b"] }),
  ),
  automation("negated", leaf("l6", ["prefect.flow-run.Failed"], { "prefect.resource.id": "!prefect.tag.etl" })),
  automation("after-running", leaf("l7", ["prefect.flow-run.Completed"], tag("etl"), ["prefect.flow-run.Running"])),
  automation("two-specs", leaf("l8", ["prefect.flow-run.Failed"], [tag("etl"), { "prefect.resource.role": "flow" }])),
  automation("compound", {
    id: "c1",
    type: "compound",
    require: "all",
    within: 60,
    triggers: [leaf("l9", ["prefect.flow-run.Failed"], tag("b")), leaf("l10", ["prefect.flow-run.Crashed"])],
  } as unknown as Trigger),
];
const index = triggerIndex(loaded);
const ids = (e: ReceivedEvent) => index.candidates(e).map((c) => c.trigger.id);

test("every leaf that covers an event is a candidate for it", () => {
  const names = [
    "prefect.flow-run.Failed",
    "prefect.flow-run.Completed",
    "prefect.flow-run.Running",
    "prefect.flow-run.Crashed",
    "other.thing",
  ];
  const tagSets = [[], ["etl"], ["a"], ["b"], ["etl", "b"]];
  let covered = 0;
  for (const name of names)
    for (const tags of tagSets) {
      const e = event(name, tags);
      const cands = new Set(ids(e));
      for (const l of loaded)
        for (const t of l.automation.trigger.type === "event"
          ? [l.automation.trigger]
          : (l.automation.trigger as any).triggers)
          if (covers(t, e)) {
            covered++;
            expect(cands.has(t.id)).toBe(true);
          }
    }
  expect(covered).toBeGreaterThan(20);
});

test("other names and other required resources are left out; the order is kept", () => {
  expect(ids(event("prefect.flow-run.Failed", ["etl"]))).toEqual(["l1", "l3", "l4", "l5", "l6", "l8"]);
  expect(ids(event("prefect.flow-run.Failed", ["b"]))).toEqual(["l4", "l5", "l6", "l8", "l9"]);
  expect(ids(event("prefect.flow-run.Running", ["etl"]))).toEqual(["l3", "l4", "l7"]);
  expect(ids(event("other.thing", []))).toEqual(["l4"]);
});

test("awaits: a named event, or one a match-all trigger covers", () => {
  expect(index.awaits(event("prefect.flow-run.Completed", []))).toBe(true);
  expect(index.awaits(event("other.thing", []))).toBe(true); // "everything" covers it
  const quiet = triggerIndex([loaded[0]!]);
  expect(quiet.awaits(event("prefect.flow-run.Failed", []))).toBe(true);
  expect(quiet.awaits(event("prefect.flow-run.Running", ["etl"]))).toBe(false);
  expect(triggerIndex([]).awaits(event("prefect.flow-run.Failed", []))).toBe(false);
});
