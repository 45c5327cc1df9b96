// Event-trigger rules, pure: whether a trigger covers an event (its expect/after event names and its
// match/match_related resource labels, with Prefect's trailing-* wildcards and !negations), the bucket an
// event counts in (for_each), and what one event does to a Reactive trigger's bucket (Prefect's
// server/events/triggers.py evaluate(): count inside the window, fire at the threshold, and after a
// firing start the next window at the end of this one).
import { addSeconds } from "../core/time.ts";
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

export interface ReactiveOutcome {
  /** The bucket to keep (null: none). */
  bucket: Bucket | null;
  fired: boolean;
}

/**
 * One expected event on a Reactive trigger's bucket (null: none yet). `now` is the event's occurred
 * time, as Prefect's reactive evaluation uses it.
 */
export function evaluateReactive(t: EventTrigger, bucket: Bucket | null, e: ReceivedEvent): ReactiveOutcome {
  const now = e.occurred;
  let b: Bucket = bucket ?? { start: now, end: addSeconds(now, t.within), count: 0, lastEvent: null };
  if (now < b.start) return { bucket: b, fired: false }; // a late event: the window it belonged to is spent
  const immediate = t.within === 0;
  let pending = 1;
  if (immediate || (b.start <= now && now < b.end)) {
    b = { ...b, count: b.count + 1, lastEvent: e };
    pending = 0;
  }
  const fired = b.count >= t.threshold;
  if (!fired && now < b.end) return { bucket: b, fired: false };
  if (t.after.length) return { bucket: null, fired };
  if (t.within === 0) return { bucket: null, fired };
  const start = b.end > now ? b.end : now;
  const next: Bucket = { start, end: addSeconds(start, t.within), count: 0, lastEvent: null };
  if (pending > 0) {
    // The event fell after the window ended: it counts in the next one (Prefect's case #4).
    const again = evaluateReactive(t, next, e);
    return { bucket: again.bucket, fired: fired || again.fired };
  }
  return { bucket: next, fired };
}
