// Which event triggers an event can concern, found without trying each one: the persister's
// transaction evaluated every leaf of every enabled automation for every stored event, and with 1,000
// automations that was 0.56 ms of matching per event, paid on the single write path. Leaves are filed
// under the event names they expect or wait `after` (a pattern with a wildcard, or no expect at all,
// stays on the list every event reads), and a leaf whose match_related names one exact
// prefect.resource.id is skipped unless the event relates that resource. Both are necessary conditions
// of covers() in events/triggers.ts, which still decides.
import type { EventTrigger, Trigger } from "../schemas/automation-triggers.ts";
import type { ReceivedEvent } from "./bus.ts";
import { eventLeaves } from "./composite-triggers.ts";
import { covers, mayReact } from "./triggers.ts";

export interface IndexedLeaf<L> {
  loaded: L;
  trigger: EventTrigger;
  /** Position among all leaves: candidates keep the automations' order. */
  order: number;
  /** The one related prefect.resource.id the trigger requires, when it names exactly one. */
  requires: string | null;
}

const RESOURCE_ID = "prefect.resource.id";

function requiredRelated(t: EventTrigger): string | null {
  if (Array.isArray(t.match_related)) return null;
  const value = t.match_related[RESOURCE_ID];
  const id = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return typeof id === "string" && id !== "" && !id.includes("*") && !id.startsWith("!") ? id : null;
}

export function triggerIndex<L extends Indexable>(loaded: L[]) {
  const byName = new Map<string, IndexedLeaf<L>[]>();
  const everyEvent: IndexedLeaf<L>[] = [];
  let order = 0;
  for (const l of loaded)
    for (const trigger of eventLeaves(l.automation.trigger)) {
      const leaf = { loaded: l, trigger, order: order++, requires: requiredRelated(trigger) };
      const names = [...trigger.expect, ...trigger.after];
      if (!trigger.expect.length || names.some((n) => n.includes("*"))) everyEvent.push(leaf);
      else
        for (const n of new Set(names)) {
          const list = byName.get(n);
          if (list) list.push(leaf);
          else byName.set(n, [leaf]);
        }
    }
  const relates = (leaf: IndexedLeaf<L>, ids: Set<string>) => leaf.requires === null || ids.has(leaf.requires);
  return {
    /** The leaves that may cover `e`, in the automations' order. */
    candidates(e: ReceivedEvent): IndexedLeaf<L>[] {
      const named = byName.get(e.event) ?? [];
      const all = !everyEvent.length ? named : !named.length ? everyEvent : [...named, ...everyEvent];
      if (!all.length) return all;
      const ids = new Set(e.related.map((r) => r[RESOURCE_ID]));
      const out = all.filter((leaf) => relates(leaf, ids));
      return named.length && everyEvent.length ? out.sort((a, b) => a.order - b.order) : out;
    },
    /**
     * Whether some automation may be waiting for `e` (the persister then writes it at once rather than
     * at the end of its batch interval). Cheap enough for the bus: a name lookup, and the full check
     * only for the few triggers that watch every event.
     */
    awaits(e: ReceivedEvent): boolean {
      if (byName.has(e.event)) return true;
      return everyEvent.some((leaf) => mayReact(leaf.trigger, leaf.loaded.automation.id, e) && covers(leaf.trigger, e));
    },
  };
}

type Indexable = { automation: { id: string; trigger: Trigger } };
export type TriggerIndex<L extends Indexable> = ReturnType<typeof triggerIndex<L>>;
