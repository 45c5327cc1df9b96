// Trigger evaluation in the database. The event persister's transaction counts each newly stored event
// against the enabled automations' event triggers: the trigger's bucket is read, evaluated (the rules
// in events/triggers.ts) and written back, and a firing is handled (store/automation-firings.ts), all in
// the transaction that stores the event. The proactive loop evaluates Proactive triggers' buckets the
// same way without an event, one transaction per trigger. A restart therefore neither loses a
// half-counted window nor counts (or fires for) an event twice: an event already stored is never
// evaluated again, and a window that fired is replaced in the transaction that fired it.
import { addSecondsClamped, nowTimestamp } from "../core/time.ts";
import type { Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import {
  type Bucket,
  bucketingKey,
  covers,
  evaluate,
  expects,
  mayReact,
  openingBucket,
  triggeringLabels,
} from "../events/triggers.ts";
import type { EventTrigger } from "../schemas/automation-triggers.ts";
import type { AutomationJson } from "./automations.ts";
import { type Fired, fireOp, type Loaded, newFiring, nothingFired, resolveOp } from "./automation-firings.ts";
import type { Fragments } from "./sql.ts";

export type { Fired, Loaded };

const bucketOf = (r: Row): Bucket => ({
  start: r.start as string,
  end: r.end as string,
  count: Number(r.count),
  lastEvent: (r.last_event as ReceivedEvent) ?? null,
});

function* readBucket(a: AutomationJson, t: EventTrigger, key: string, d: Fragments): Op<Bucket | null> {
  const r = yield* row<Row>(sql`
    SELECT start, "end", count, last_event FROM automation_bucket
    WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND bucketing_key = ${key} ${d.forUpdate}`);
  return r ? bucketOf(r) : null;
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

/** The bucket after one evaluation, and the firing or resolution it leads to. */
function* settleOp(
  l: Loaded,
  t: EventTrigger,
  keyParts: string[],
  before: Bucket,
  now: string,
  e: ReceivedEvent | null,
  d: Fragments,
  out: Fired,
) {
  const a = l.automation;
  const key = JSON.stringify(keyParts);
  const outcome = evaluate(t, before, now, e);
  if (outcome.bucket !== before) yield* writeBucket(a, t, key, outcome.bucket, d);
  if (outcome.fired) yield* fireOp(l, t, newFiring(triggeringLabels(t, keyParts), outcome.triggering), key, d, out);
  if (outcome.satisfied && e) yield* resolveOp(a, t, key, e, d, out);
  return outcome.bucket;
}

/** Evaluates the event triggers covering `events` (just stored); answers what to publish. */
export function* evaluateOp(
  candidates: (e: ReceivedEvent) => Array<{ loaded: Loaded; trigger: EventTrigger }>,
  events: ReceivedEvent[],
  d: Fragments,
): Op<Fired> {
  const out = nothingFired();
  for (const e of events) {
    for (const { loaded: l, trigger: t } of candidates(e)) {
      if (!mayReact(t, l.automation.id, e) || !covers(t, e)) continue;
      const keyParts = bucketingKey(t, e);
      const key = JSON.stringify(keyParts);
      const current = yield* readBucket(l.automation, t, key, d);
      const bucket = openingBucket(t, e, current);
      if (!bucket) {
        // A Proactive trigger gated by `after` drops its window when it fires, so its expected event
        // finds none: that event is still its resumption (found in review: it never resolved).
        if (t.posture === "Proactive" && expects(t, e.event)) yield* resolveOp(l.automation, t, key, e, d, out);
        continue;
      }
      if (!expects(t, e.event)) {
        if (bucket !== current) yield* writeBucket(l.automation, t, key, bucket, d);
        continue;
      }
      if (bucket !== current) yield* writeBucket(l.automation, t, key, bucket, d);
      yield* settleOp(l, t, keyParts, bucket, e.occurred, e, d, out);
    }
  }
  return out;
}

/**
 * Prefect's proactive_evaluation of one Proactive trigger at `asOf`: without for_each a window is
 * always open (so silence from the start is noticed), windows already at the threshold are dropped, and
 * every other window that has ended fires.
 */
export function* proactiveOp(l: Loaded, t: EventTrigger, asOf: string, d: Fragments): Op<Fired> {
  const out = nothingFired();
  const a = l.automation;
  if (!t.for_each.length) {
    const now = nowTimestamp();
    yield* exec(sql`
      INSERT INTO automation_bucket (id, created, updated, automation_id, trigger_id, bucketing_key, start, "end", count)
      VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.id}, ${t.id}, ${"[]"}, ${asOf}, ${addSecondsClamped(asOf, t.within)}, 0)
      ON CONFLICT (automation_id, trigger_id, bucketing_key) DO NOTHING`);
  }
  yield* exec(sql`
    DELETE FROM automation_bucket WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND count >= ${t.threshold}`);
  const open = yield* rows<Row>(sql`
    SELECT bucketing_key, start, "end", count, last_event FROM automation_bucket
    WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND "end" <= ${asOf} ORDER BY start ${d.forUpdate}`);
  for (const r of open) {
    const keyParts = JSON.parse(r.bucketing_key as string) as string[];
    yield* settleOp(l, t, keyParts, bucketOf(r), asOf, null, d, out);
  }
  return out;
}

/** Prefect's sweep_closed_buckets: windows that ended before `olderThan` count nothing any more. */
export function* sweepOp(olderThan: string): Op<number> {
  return yield* exec(sql`DELETE FROM automation_bucket WHERE "end" <= ${olderThan}`);
}
