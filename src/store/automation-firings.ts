// What a trigger's firing does, inside the transaction that caused it (an event stored, or a
// proactive window that ended empty): a child of a compound or sequence trigger is held in
// composite_trigger_child_firing until its parent has enough (Prefect's evaluate_composite_trigger);
// the automation's own trigger queues one automation_action row per action and answers the
// prefect.automation.triggered event to publish after the commit (Prefect's act()). A Proactive
// trigger that fired is remembered per bucketing key, so the event that ends the silence answers
// prefect.automation.resolved once and queues actions_on_resolve.
import { addSecondsClamped, nowTimestamp } from "../core/time.ts";
import type { Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { automationStateEvent } from "../events/automation-events.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import { compositeReady, expectedFirings } from "../events/composite-triggers.ts";
import type { Action } from "../schemas/automation-actions.ts";
import type { CompositeTrigger, EventTrigger, Trigger } from "../schemas/automation-triggers.ts";
import type { AutomationJson } from "./automations.ts";
import type { Fragments } from "./sql.ts";

/** What a transaction that fired leaves to publish after its commit. */
export interface Fired {
  events: ReceivedEvent[];
  actions: number;
}

export const nothingFired = (): Fired => ({ events: [], actions: 0 });

/** An automation with each of its triggers' parent composite (null: the automation's own trigger). */
export interface Loaded {
  automation: AutomationJson;
  parents: Map<string, CompositeTrigger | null>;
}

/** One trigger's firing (Prefect's Firing): when, for which for_each labels, and the event behind it. */
export interface Firing {
  id: string;
  triggered: string;
  labels: Record<string, string>;
  event: ReceivedEvent | null;
}

export const newFiring = (labels: Record<string, string>, event: ReceivedEvent | null): Firing => ({
  id: Bun.randomUUIDv7(),
  triggered: nowTimestamp(),
  labels,
  event,
});

function* queueActions(
  a: AutomationJson,
  queue: Array<[Action, ReceivedEvent | null]>,
  stateEvent: ReceivedEvent,
  labels: Record<string, string>,
  d: Fragments,
): Op<number> {
  const now = nowTimestamp();
  for (const [i, [action, ev]] of queue.entries()) {
    yield* exec(sql`
      INSERT INTO automation_action (id, created, updated, automation_id, action_index, action, triggered,
        triggering_labels, triggering_event, automation_triggered_event_id, status, attempts, next_attempt)
      VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.id}, ${i}, ${d.json(action)}, ${now}, ${d.json(labels)},
        ${d.json(ev)}, ${stateEvent.id}, 'PENDING', 0, ${now})`);
  }
  return queue.length;
}

const postureOf = (t: Trigger) => (t.type === "event" ? t.posture : undefined);

/** Prefect's act(): the triggered event, the actions (with the firing's event) and actions_on_trigger. */
function* actOp(a: AutomationJson, firing: Firing, key: string, d: Fragments, out: Fired): Op<void> {
  const triggered = automationStateEvent("triggered", a, postureOf(a.trigger), firing.labels, firing.event, {
    now: firing.triggered,
  });
  out.events.push(triggered);
  out.actions += yield* queueActions(
    a,
    [
      ...a.actions.map((x): [Action, ReceivedEvent | null] => [x, firing.event]),
      ...a.actions_on_trigger.map((x): [Action, ReceivedEvent | null] => [x, triggered]),
    ],
    triggered,
    firing.labels,
    d,
  );
  if (a.trigger.type !== "event" || a.trigger.posture !== "Proactive") return;
  yield* exec(sql`
    INSERT INTO automation_trigger_state (id, created, updated, automation_id, trigger_id, bucketing_key,
      triggered_at, triggered_event_id, triggering_labels)
    VALUES (${Bun.randomUUIDv7()}, ${firing.triggered}, ${firing.triggered}, ${a.id}, ${a.trigger.id}, ${key},
      ${firing.triggered}, ${triggered.id}, ${d.json(firing.labels)})
    ON CONFLICT (automation_id, trigger_id, bucketing_key) DO UPDATE SET updated = excluded.updated,
      triggered_at = excluded.triggered_at, triggered_event_id = excluded.triggered_event_id,
      triggering_labels = excluded.triggering_labels`);
}

/**
 * The automation's Proactive trigger saw its events resume for `key`: if it had fired there, it is
 * resolved (the event follows the triggered one) and actions_on_resolve are queued, once.
 */
export function* resolveOp(
  a: AutomationJson,
  t: EventTrigger,
  key: string,
  e: ReceivedEvent,
  d: Fragments,
  out: Fired,
) {
  if (a.trigger.id !== t.id) return;
  const state = yield* row<Row>(sql`
    SELECT triggered_event_id, triggering_labels FROM automation_trigger_state
    WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND bucketing_key = ${key} ${d.forUpdate}`);
  if (!state) return;
  yield* exec(sql`
    DELETE FROM automation_trigger_state WHERE automation_id = ${a.id} AND trigger_id = ${t.id} AND bucketing_key = ${key}`);
  const labels = state.triggering_labels as Record<string, string>;
  const resolved = automationStateEvent("resolved", a, t.posture, labels, e, {
    now: nowTimestamp(),
    follows: state.triggered_event_id as string,
  });
  out.events.push(resolved);
  const queue = a.actions_on_resolve.map((x): [Action, ReceivedEvent | null] => [x, resolved]);
  out.actions += yield* queueActions(a, queue, resolved, labels, d);
}

interface HeldFiring {
  child_trigger_id: string;
  child_firing_id: string;
  child_fired_at: string;
}

/** Prefect's evaluate_composite_trigger: hold the child's firing; fire the parent once it has enough. */
function* compositeOp(
  l: Loaded,
  parent: CompositeTrigger,
  child: Trigger,
  firing: Firing,
  d: Fragments,
  out: Fired,
): Op<void> {
  const a = l.automation;
  const next = () => newFiring({}, firing.event);
  if (expectedFirings(parent) === 1) return yield* fireOp(l, parent, next(), "[]", d, out);
  // One composite evaluation per automation at a time (PostgreSQL: two children firing in concurrent
  // transactions would each miss the other's row); SQLite's writer is already alone.
  yield* row(sql`SELECT id FROM automation WHERE id = ${a.id} ${d.forUpdate}`);
  if (parent.within !== null)
    yield* exec(sql`
      DELETE FROM composite_trigger_child_firing WHERE automation_id = ${a.id} AND parent_trigger_id = ${parent.id}
        AND child_fired_at < ${addSecondsClamped(firing.triggered, -parent.within)}`);
  const held = { trigger_id: child.id, triggered: firing.triggered, labels: firing.labels, event: firing.event };
  yield* exec(sql`
    INSERT INTO composite_trigger_child_firing (id, created, updated, automation_id, parent_trigger_id,
      child_trigger_id, child_firing_id, child_fired_at, child_firing)
    VALUES (${Bun.randomUUIDv7()}, ${firing.triggered}, ${firing.triggered}, ${a.id}, ${parent.id}, ${child.id},
      ${firing.id}, ${firing.triggered}, ${d.json(held)})
    ON CONFLICT (automation_id, parent_trigger_id, child_trigger_id) DO UPDATE SET updated = excluded.updated,
      child_firing_id = excluded.child_firing_id, child_fired_at = excluded.child_fired_at,
      child_firing = excluded.child_firing`);
  const firings = yield* rows<HeldFiring>(sql`
    SELECT child_trigger_id, child_firing_id, child_fired_at FROM composite_trigger_child_firing
    WHERE automation_id = ${a.id} AND parent_trigger_id = ${parent.id} ORDER BY child_fired_at, id`);
  const ready = compositeReady(
    parent,
    firings.map((f) => ({ id: f.child_firing_id, triggerId: f.child_trigger_id, triggered: f.child_fired_at })),
  );
  if (!ready) return;
  yield* exec(sql`
    DELETE FROM composite_trigger_child_firing WHERE automation_id = ${a.id} AND parent_trigger_id = ${parent.id}`);
  yield* fireOp(l, parent, next(), "[]", d, out);
}

/** Prefect's fire(): to the parent composite, or to the automation. */
export function* fireOp(l: Loaded, t: Trigger, firing: Firing, key: string, d: Fragments, out: Fired): Op<void> {
  const parent = l.parents.get(t.id) ?? null;
  if (parent) yield* compositeOp(l, parent, t, firing, d, out);
  else yield* actOp(l.automation, firing, key, d, out);
}
