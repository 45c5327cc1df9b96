// The bucket rules of events/triggers.ts (evaluate, openingBucket) for both postures, and the composite
// rules of events/composite-triggers.ts, as Prefect's server/events/triggers.py and its regression tests
// describe them: a Proactive window fires only once it has ended short of its threshold, an event that
// both starts and is expected never counts in the window it opens, a Reactive event after its window
// counts in the next one, and a sequence needs its children in order.
import { describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { compositeReady, expectedFirings, parentsOf } from "../../src/events/composite-triggers.ts";
import { type Bucket, evaluate, openingBucket } from "../../src/events/triggers.ts";
import type { CompositeTrigger, EventTrigger } from "../../src/schemas/automation-triggers.ts";

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, "0")}.000000Z`;
const trigger = (over: Partial<EventTrigger> = {}): EventTrigger => ({
  type: "event",
  id: "t",
  posture: "Proactive",
  expect: ["ping"],
  after: [],
  match: {},
  match_related: [],
  for_each: [],
  threshold: 1,
  within: 10,
  ...over,
});
const event = (name: string, at: number): ReceivedEvent =>
  ({
    id: `${name}-${at}`,
    occurred: T(at),
    event: name,
    resource: { "prefect.resource.id": "x" },
    related: [],
    payload: {},
    follows: null,
    received: T(at),
  }) as ReceivedEvent;
const bucket = (start: number, end: number, count = 0): Bucket => ({
  start: T(start),
  end: T(end),
  count,
  lastEvent: null,
});

describe("evaluate, Proactive", () => {
  test("an open window waits; an ended empty one fires and the next starts where it ended", () => {
    expect(evaluate(trigger(), bucket(0, 10), T(5), null)).toMatchObject({ fired: false, bucket: bucket(0, 10) });
    const out = evaluate(trigger(), bucket(0, 10), T(12), null);
    expect(out).toMatchObject({ fired: true, satisfied: false, bucket: bucket(12, 22) });
  });
  test("an event in the window keeps it from firing and satisfies it", () => {
    const out = evaluate(trigger(), bucket(0, 10), T(3), event("ping", 3));
    expect(out).toMatchObject({ fired: false, satisfied: true });
    expect(out.bucket!.count).toBe(1);
    expect(evaluate(trigger(), out.bucket!, T(12), null).fired).toBe(false);
  });
  test("a late event fires the ended window and counts in the next, which it satisfies", () => {
    const out = evaluate(trigger(), bucket(0, 10), T(15), event("ping", 15));
    expect(out.fired).toBe(true);
    expect(out.triggering!.id).toBe("ping-15");
    expect(out.satisfied).toBe(true);
    expect(out.bucket).toMatchObject({ start: T(15), end: T(25), count: 1 });
  });
  test("with `after` the fired window is dropped until the next after event", () => {
    expect(evaluate(trigger({ after: ["start"] }), bucket(0, 10), T(11), null)).toMatchObject({
      fired: true,
      bucket: null,
    });
  });
  test("an event both after and expected opens at -1 and restarts the window (heartbeats)", () => {
    const t = trigger({ after: ["ping"] });
    const opened = openingBucket(t, event("ping", 0), null)!;
    expect(opened.count).toBe(-1);
    const first = evaluate(t, opened, T(0), event("ping", 0));
    expect(first).toMatchObject({ fired: false, satisfied: false });
    expect(first.bucket!.count).toBe(0);
    const next = evaluate(t, first.bucket!, T(4), event("ping", 4));
    expect(next.bucket).toMatchObject({ start: T(4), end: T(14), count: 0 });
    expect(evaluate(t, next.bucket!, T(15), null).fired).toBe(true);
  });
});

describe("evaluate, Reactive", () => {
  const r = trigger({ posture: "Reactive", threshold: 2, within: 10 });
  test("fires at the threshold; the window is then spent until its end", () => {
    const one = evaluate(r, bucket(0, 10), T(1), event("ping", 1));
    expect(one.fired).toBe(false);
    const two = evaluate(r, one.bucket!, T(2), event("ping", 2));
    expect(two).toMatchObject({ fired: true, bucket: bucket(10, 20) });
    expect(evaluate(r, two.bucket!, T(3), event("ping", 3))).toMatchObject({ fired: false, bucket: bucket(10, 20) });
  });
  test("an event after the window counts in the next one", () => {
    const out = evaluate(r, bucket(0, 10, 1), T(12), event("ping", 12));
    expect(out).toMatchObject({ fired: false, bucket: { start: T(12), end: T(22), count: 1 } });
  });
  test("an event after the window that alone meets the threshold fires in the next window", () => {
    const one = trigger({ posture: "Reactive", threshold: 1, within: 10 });
    expect(evaluate(one, bucket(0, 10), T(12), event("ping", 12))).toMatchObject({
      fired: true,
      bucket: bucket(22, 32),
    });
  });
  test("an after event that is not expected opens a window without counting", () => {
    const t = trigger({ posture: "Reactive", after: ["start"] });
    expect(openingBucket(t, event("start", 0), null)).toMatchObject({ start: T(0), end: T(10), count: 0 });
    expect(openingBucket(t, event("ping", 0), null)).toBeNull();
  });
});

describe("composite rules", () => {
  const child = (id: string) => trigger({ id });
  const compound = (require: CompositeTrigger["require"]): CompositeTrigger => ({
    type: "compound",
    id: "c",
    require,
    within: 60,
    triggers: [child("a"), child("b"), child("c")],
  });
  const f = (triggerId: string, at: number) => ({ id: `${triggerId}${at}`, triggerId, triggered: T(at) });
  test("any, all and N", () => {
    expect([expectedFirings(compound("any")), expectedFirings(compound("all")), expectedFirings(compound(2))]).toEqual([
      1, 3, 2,
    ]);
    expect(compositeReady(compound(2), [f("a", 1)])).toBe(false);
    expect(compositeReady(compound(2), [f("a", 1), f("c", 2)])).toBe(true);
    expect(compositeReady(compound("all"), [f("a", 1), f("c", 2)])).toBe(false);
  });
  test("a sequence needs every child in order of firing", () => {
    const seq: CompositeTrigger = { type: "sequence", id: "s", within: 60, triggers: [child("a"), child("b")] };
    expect(compositeReady(seq, [f("b", 1), f("a", 2)])).toBe(false);
    expect(compositeReady(seq, [f("b", 3), f("a", 2)])).toBe(true);
    expect(compositeReady(seq, [f("a", 2)])).toBe(false);
  });
  test("parents of a nested tree", () => {
    const inner: CompositeTrigger = { type: "compound", id: "i", require: "any", within: null, triggers: [child("x")] };
    const root: CompositeTrigger = { type: "sequence", id: "r", within: 60, triggers: [inner, child("y")] };
    const parents = parentsOf(root);
    expect([...parents].map(([k, v]) => [k, v?.id ?? null])).toEqual([
      ["r", null],
      ["i", "r"],
      ["x", "i"],
      ["y", "r"],
    ]);
  });
});
