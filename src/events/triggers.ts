// Event-trigger rules, pure: whether a trigger covers an event (its expect/after event names and its
// match/match_related resource labels, with Prefect's trailing-* wildcards and !negations), the bucket an
// event counts in (for_each), and what an event or the passing of time does to a trigger's bucket
// (Prefect's server/events/triggers.py evaluate(): count inside the window, fire at the threshold, or
// for a Proactive trigger when a window ends short of it, and after a firing start the next window).
import { addSecondsClamped } from "../core/time.ts";
import type { ReceivedEvent } from "./bus.ts";
import type { EventTrigger, ResourceSpec } from "../schemas/automation-triggers.ts";

export interface Bucket {
  start: string; // normalised timestamps, compared as text
  end: string;
  count: number;
  lastEvent: ReceivedEvent | null;
}

const labelMatches = (pattern: string, value: string | undefined): boolean => {
  if (value === undefined || value === null) return false;
  return pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
};

/** One resource against a specification: every label's positive values (any) and negations (none). */
export function specMatches(spec: ResourceSpec, resource: Record<string, string>): boolean {
  for (const [label, expected] of Object.entries(spec)) {
    const values = Array.isArray(expected) ? expected : [expected];
    const value = resource[label];
    const pos = values.filter((v) => !v.startsWith("!"));
    const neg = values.filter((v) => v.startsWith("!")).map((v) => v.slice(1));
    if (pos.length && !pos.some((p) => labelMatches(p, value))) return false;
    if (neg.some((p) => labelMatches(p, value))) return false;
  }
  return true;
}

/** An empty specification includes anything; otherwise some candidate must match. */
export const specIncludes = (spec: ResourceSpec, candidates: Array<Record<string, string>>) =>
  Object.keys(spec).length === 0 || candidates.some((c) => specMatches(spec, c));

const eventNameMatches = (pattern: string, name: string) =>
  pattern.includes("*")
    ? new RegExp(
        `^${pattern
          .split("*")
          .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      ).test(name)
    : pattern === name;

export const expects = (t: EventTrigger, name: string) =>
  !t.expect.length || t.expect.some((p) => eventNameMatches(p, name));
export const startsAfter = (t: EventTrigger, name: string) => t.after.some((p) => eventNameMatches(p, name));

export function coversResources(t: EventTrigger, e: ReceivedEvent): boolean {
  if (!specIncludes(t.match, [e.resource])) return false;
  const related = Array.isArray(t.match_related) ? t.match_related : [t.match_related];
  return related.every((spec) => specIncludes(spec, e.related));
}

const AUTOMATION_EVENTS = "prefect.automation.";

/**
 * Whether an automation may react to an event at all. The automations' own events are where loops
 * start: with two automations that match every event, each firing's triggered/action events fired both
 * again, and a fuzz run grew the database to 39 GB in minutes (each prefect.automation.triggered also
 * carries its triggering event, so the payloads nested too). So an automation reacts to a
 * prefect.automation.* event only when its trigger names such events explicitly (no match-all), never
 * to the action.* events (what an action did), never to events about itself, and never to a
 * triggered/resolved event that an automation event caused: one hop of "tell me when X fired", no chains.
 */
export function mayReact(t: EventTrigger, automationId: string, e: ReceivedEvent): boolean {
  if (!e.event.startsWith(AUTOMATION_EVENTS)) return true;
  if (e.event.startsWith(`${AUTOMATION_EVENTS}action.`)) return false;
  if (e.resource["prefect.resource.id"] === `prefect.automation.${automationId}`) return false;
  const cause = (e.payload as { triggering_event?: { event?: unknown } } | null)?.triggering_event;
  if (typeof cause?.event === "string" && cause.event.startsWith(AUTOMATION_EVENTS)) return false;
  return [...t.expect, ...t.after].some((p) => p.startsWith(AUTOMATION_EVENTS));
}

/** Whether the trigger is interested in the event at all (as an expected or an `after` event). */
export const covers = (t: EventTrigger, e: ReceivedEvent) =>
  (expects(t, e.event) || startsAfter(t, e.event)) && coversResources(t, e);

/** Prefect's find_resource_label: a label of the resource, or `related:<role>:<label>`. */
function findLabel(e: ReceivedEvent, label: string): string {
  if (label.startsWith("related:")) {
    const [, role, ...rest] = label.split(":");
    const name = rest.join(":");
    return e.related.find((r) => r["prefect.resource.role"] === role)?.[name] ?? "";
  }
  return e.resource[label] ?? "";
}

/** The bucket key: the for_each labels' values, in the labels' sorted order. */
export const bucketingKey = (t: EventTrigger, e: ReceivedEvent): string[] =>
  [...t.for_each].sort().map((l) => findLabel(e, l));

export const triggeringLabels = (t: EventTrigger, key: string[]): Record<string, string> =>
  Object.fromEntries([...t.for_each].sort().map((l, i) => [l, key[i] ?? ""]));

export interface Outcome {
  /** The bucket to keep (null: none). */
  bucket: Bucket | null;
  fired: boolean;
  /** The event a firing names: the one being evaluated, else the bucket's last (Prefect's firing). */
  triggering: ReceivedEvent | null;
  /** A Proactive trigger's window reached its threshold: the absence it watches for has ended. */
  satisfied: boolean;
}

/**
 * One evaluation of a trigger's bucket (Prefect's server/events/triggers.py evaluate()): with an event,
 * as the event persister counts it (`now` is the event's occurred time); without one, as the proactive
 * loop looks at the bucket at `now`. A Reactive trigger fires as soon as its count reaches the
 * threshold; a Proactive one only once its window has ended with fewer than `threshold` events, since a
 * late event could still arrive in time. After a firing or an ended window the next window starts at
 * the end of this one, unless the trigger waits for an `after` event to open one.
 */
export function evaluate(t: EventTrigger, bucket: Bucket, now: string, e: ReceivedEvent | null): Outcome {
  const quiet = { fired: false, triggering: null, satisfied: false };
  if (now < bucket.start) return { bucket, ...quiet }; // a late event: the window it belonged to is spent
  const proactive = t.posture === "Proactive";
  const previous = bucket.lastEvent;
  let b = bucket;
  let pending = e ? 1 : 0;
  if (e && ((!proactive && t.within === 0) || (b.start <= now && now < b.end))) {
    b = { ...b, count: b.count + 1, lastEvent: e };
    pending = 0;
  }
  const satisfied = proactive && pending === 0 && e !== null && b.count >= t.threshold;
  const ready = !proactive || b.end <= now;
  const meets = proactive ? b.count < t.threshold : b.count >= t.threshold;
  const fired = ready && meets;
  const triggering = fired ? (e ?? b.lastEvent) : null;
  if (!fired && now < b.end) {
    // A Proactive trigger whose `after` and `expect` name the same event (heartbeats): each one opens
    // the next window, keeping as its context an expect-only event that arrived at or after it.
    if (e && proactive && !meets && startsAfter(t, e.event) && expects(t, e.event)) {
      const keep =
        previous && expects(t, previous.event) && !startsAfter(t, previous.event) && previous.occurred >= e.occurred;
      const next = {
        start: e.occurred,
        end: addSecondsClamped(e.occurred, t.within),
        count: 0,
        lastEvent: keep ? previous : e,
      };
      return { bucket: next, fired, triggering, satisfied };
    }
    return { bucket: b, fired, triggering, satisfied };
  }
  if (t.after.length || t.within === 0) return { bucket: null, fired, triggering, satisfied };
  const start = b.end > now ? b.end : now;
  const next: Bucket = { start, end: addSecondsClamped(start, t.within), count: 0, lastEvent: null };
  if (!proactive && pending > 0) {
    // The event fell after the window ended: it counts in the next one (Prefect's case #4).
    const again = evaluate(t, next, now, e);
    return { ...again, fired: fired || again.fired, triggering: again.triggering ?? triggering };
  }
  const resumed = proactive && pending >= t.threshold; // the late event alone fills the next window
  return { bucket: { ...next, count: pending }, fired, triggering, satisfied: satisfied || resumed };
}

/** The window an event opens when no bucket is open yet (null: it opens none). */
export function openingBucket(t: EventTrigger, e: ReceivedEvent, current: Bucket | null): Bucket | null {
  if (current) return current;
  const end = addSecondsClamped(e.occurred, t.within);
  // An event that both starts and is expected counts from -1, so it does not count in the window it
  // opens (Prefect's reactive_evaluation, nebula#4201).
  if (t.after.length && startsAfter(t, e.event))
    return { start: e.occurred, end, count: expects(t, e.event) ? -1 : 0, lastEvent: e };
  if (!t.after.length && expects(t, e.event)) return { start: e.occurred, end, count: 0, lastEvent: null };
  return null;
}
