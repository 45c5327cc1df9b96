// Trigger evaluation inside the event persister's transaction: for each newly stored event and each
// enabled automation whose event trigger covers it, the trigger's bucket is read, counted (the rules in
// events/triggers.ts) and written back, and a firing queues one automation_action row per action, all
// in the transaction that stores the event. A restart therefore neither loses a half-counted window nor
// counts (or fires for) an event twice: an event already stored is never evaluated again.
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Op, Row } from "../db/driver.ts";
import { exec, row } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { automationStateEvent } from "../events/automation-events.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import {
  type Bucket,
  bucketingKey,
  covers,
  evaluateReactive,
  expects,
  mayReact,
  startsAfter,
  triggeringLabels,
} from "../events/triggers.ts";
import type { Action } from "../schemas/automation-actions.ts";
import type { EventTrigger, Trigger } from "../schemas/automation-triggers.ts";
import type { AutomationJson } from "./automations.ts";
import type { Fragments } from "./sql.ts";

/** What a transaction that fired leaves to publish after its commit. */
export interface Fired {
  events: ReceivedEvent[];
  actions: number;
}

function* readBucket(a: AutomationJson, t: EventTrigger, key: string, d: Fragments): Op<Bucket | null> {
  const r = yield* row<Row>(sql`
    SELECT start, "end", count, last_event FROM automation_bucket
    WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND bucketing_key = ${key} ${d.forUpdate}`);
  return r
    ? {
        start: r.start as string,
        end: r.end as string,
        count: Number(r.count),
        lastEvent: (r.last_event as ReceivedEvent) ?? null,
      }
    : null;
}

function* writeBucket(a: AutomationJson, t: EventTrigger, key: string, b: Bucket | null, d: Fragments): Op<void> {
  if (!b) {
    yield* exec(sql`
      DELETE FROM automation_bucket WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND bucketing_key = ${key}`);
    return;
  }
  const now = nowTimestamp();
  yield* exec(sql`
    INSERT INTO automation_bucket (id, created, updated, automation_id, trigger_id, bucketing_key, start, "end", count, last_event)
    VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.id}, ${t.id}, ${key}, ${b.start}, ${b.end}, ${b.count}, ${d.json(b.lastEvent)})
    ON CONFLICT (automation_id, trigger_id, bucketing_key) DO UPDATE SET
      updated = excluded.updated, start = excluded.start, "end" = excluded."end", count = excluded.count,
      last_event = excluded.last_event`);
}

/** Queues the automation's actions for a firing and answers the automation.triggered event. */
export function* fireOp(
  a: AutomationJson,
  labels: Record<string, string>,
  triggering: ReceivedEvent | null,
  d: Fragments,
): Op<ReceivedEvent> {
  const now = nowTimestamp();
  const posture = a.trigger.type === "event" ? a.trigger.posture : undefined;
  const triggered = automationStateEvent("triggered", a, posture, labels, triggering, now);
  const queue: Array<[Action, ReceivedEvent | null]> = [
    ...a.actions.map((x): [Action, ReceivedEvent | null] => [x, triggering]),
    ...a.actions_on_trigger.map((x): [Action, ReceivedEvent | null] => [x, triggered]),
  ];
  for (const [i, [action, ev]] of queue.entries()) {
    yield* exec(sql`
      INSERT INTO automation_action (id, created, updated, automation_id, action_index, action, triggered,
        triggering_labels, triggering_event, automation_triggered_event_id, status, attempts, next_attempt)
      VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.id}, ${i}, ${d.json(action)}, ${now}, ${d.json(labels)},
        ${d.json(ev)}, ${triggered.id}, 'PENDING', 0, ${now})`);
  }
  return triggered;
}

/** The top-level event triggers of an automation, and composites whose `any` lets one child fire them. */
function eventTriggers(t: Trigger): EventTrigger[] {
  if (t.type === "event") return [t];
  if (t.type === "compound" && (t.require === "any" || t.require === 1)) return t.triggers.flatMap(eventTriggers);
  return [];
}

/** Evaluates Reactive event triggers for `events` (just stored); answers what to publish. */
export function* evaluateOp(automations: AutomationJson[], events: ReceivedEvent[], d: Fragments): Op<Fired> {
  const out: Fired = { events: [], actions: 0 };
  for (const e of events) {
    for (const a of automations) {
      for (const t of eventTriggers(a.trigger)) {
        if (t.posture !== "Reactive" || !mayReact(t, a.id, e) || !covers(t, e)) continue;
        const keyParts = bucketingKey(t, e);
        const key = JSON.stringify(keyParts);
        let bucket = yield* readBucket(a, t, key, d);
        if (t.after.length && startsAfter(t, e.event) && !bucket) {
          bucket = { start: e.occurred, end: addSeconds(e.occurred, t.within), count: 0, lastEvent: null };
        }
        if (!expects(t, e.event)) {
          if (bucket) yield* writeBucket(a, t, key, bucket, d);
          continue;
        }
        if (t.after.length && !bucket) continue;
        const outcome = evaluateReactive(t, bucket, e);
        yield* writeBucket(a, t, key, outcome.bucket, d);
        if (outcome.fired) {
          out.events.push(yield* fireOp(a, triggeringLabels(t, keyParts), e, d));
          out.actions += a.actions.length + a.actions_on_trigger.length;
        }
      }
    }
  }
  return out;
}
