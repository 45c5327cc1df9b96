// Compound and sequence trigger rules, pure (Prefect's server/events/schemas/automations.py
// CompositeTrigger): how many child firings a composite needs, whether the firings it holds are enough
// (a sequence: every child, in order of firing), and where each trigger sits in an automation's tree.
import type { CompositeTrigger, EventTrigger, Trigger } from "../schemas/automation-triggers.ts";

/** A child trigger's firing as a composite holds it until it fires or the firing ages out of `within`. */
export interface ChildFiring {
  id: string;
  triggerId: string;
  triggered: string;
}

/** Prefect's num_expected_firings: any is one, all is every child, a number is that many. */
export function expectedFirings(t: CompositeTrigger): number {
  if (t.type === "sequence" || t.require === "all") return t.triggers.length;
  if (t.require === "any" || t.require === undefined) return 1;
  return t.require;
}

/** Prefect's ready_to_fire: enough firings for a compound; every child in order for a sequence. */
export function compositeReady(t: CompositeTrigger, firings: ChildFiring[]): boolean {
  if (t.type === "compound") return firings.length >= expectedFirings(t);
  const order = [...firings].sort((a, b) => (a.triggered < b.triggered ? -1 : a.triggered > b.triggered ? 1 : 0));
  const expected = t.triggers.map((c) => c.id);
  return order.length === expected.length && order.every((f, i) => f.triggerId === expected[i]);
}

/** Each trigger's parent composite in a tree (the root's is null: it belongs to the automation). */
export function parentsOf(root: Trigger): Map<string, CompositeTrigger | null> {
  const out = new Map<string, CompositeTrigger | null>([[root.id, null]]);
  const walk = (t: Trigger) => {
    if (t.type === "event") return;
    for (const c of t.triggers) {
      out.set(c.id, t);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The event triggers of a tree, the leaves that count events. */
export const eventLeaves = (t: Trigger): EventTrigger[] => (t.type === "event" ? [t] : t.triggers.flatMap(eventLeaves));
