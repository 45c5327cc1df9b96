// Prefect's triggers service. Reactive half: the event persister's transaction counts each newly stored
// event against the enabled automations' event triggers (store/automation-buckets.ts), so the count,
// the firing and its queued actions commit with the event. Proactive half (Prefect's
// evaluate_proactive_triggers, every PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY): each Proactive
// trigger's ended windows are evaluated, one transaction per trigger, and windows that ended long ago
// are swept. After each commit the automation.triggered/resolved events are published and the actions
// service is nudged, so a notification leaves within moments rather than at the next loop. The enabled
// automations are cached and reloaded whenever one is created, updated or deleted (their
// prefect.automation.* events).
import { log } from "../core/logger.ts";
import type { Driver } from "../db/driver.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import { triggerIndex } from "../events/trigger-index.ts";
import { parentsOf, eventLeaves } from "../events/composite-triggers.ts";
import { addSeconds, nowTimestamp } from "../core/time.ts";
import { evaluateOp, type Fired, type Loaded, proactiveOp, sweepOp } from "../store/automation-buckets.ts";
import type { AutomationJson, AutomationsStore } from "../store/automations.ts";
import type { EventsStore } from "../store/events.ts";
import { fragmentsFor } from "../store/sql.ts";

/** Prefect's PREFECT_EVENTS_EXPIRED_BUCKET_BUFFER: how long an ended window is kept before the sweep. */
const EXPIRED_BUCKET_BUFFER_SECONDS = 60;

const load = (automation: AutomationJson): Loaded => ({ automation, parents: parentsOf(automation.trigger) });

export function automationTriggers(deps: {
  driver: Driver;
  bus: EventBus;
  automations: AutomationsStore;
  events: EventsStore;
  /** Runs the actions service once (after a firing queued actions). */
  nudge: () => void;
  /** Told which events an automation awaits, so it stores them without waiting out its batch. */
  persister?: { urgent: ((e: ReceivedEvent) => boolean) | null };
}) {
  const d = fragmentsFor(deps.driver.dialect);
  const publish = (fired: Fired) => {
    if (fired.events.length) deps.bus.publish(fired.events);
    if (fired.actions) deps.nudge();
  };
  let cache: Loaded[] = [];
  let index = triggerIndex(cache);
  let loading: Promise<void> | null = null;
  let asked = 0;
  // Reads may finish out of order (PostgreSQL runs them on several connections): only the latest
  // reload's answer is kept, so a slow older read never brings back a stale list.
  const reload = () => {
    const mine = ++asked;
    loading = deps.automations
      .enabled()
      .then((list) => {
        if (mine !== asked) return;
        cache = list.map(load);
        index = triggerIndex(cache);
      })
      .catch((e) => log.error("loading automations failed", e));
    return loading;
  };
  let unsubscribe: (() => void) | null = null;
  return {
    async start(): Promise<void> {
      await reload();
      unsubscribe = deps.bus.subscribe((events) => {
        if (events.some((e) => /^prefect\.automation\.(created|updated|deleted)$/.test(e.event))) void reload();
      });
      deps.events.onStored<Fired>({
        op: (stored) => evaluateOp((e) => index.candidates(e), stored, d),
        committed: publish,
      });
      if (deps.persister) deps.persister.urgent = (e) => index.awaits(e);
    },
    /** One proactive pass (the ProactiveTriggers loop's runOnce); answers a line for the settings page. */
    async proactive(asOf = nowTimestamp()): Promise<string> {
      let fired = 0;
      let failed = 0;
      for (const l of cache) {
        for (const t of eventLeaves(l.automation.trigger)) {
          if (t.posture !== "Proactive") continue;
          // One trigger that cannot be evaluated (its automation deleted a moment ago) must not hold
          // back the others or the sweep, as Prefect's evaluate_proactive_triggers goes on past one.
          try {
            const out = await deps.driver.tx(() => proactiveOp(l, t, asOf, d));
            fired += out.events.filter((e) => e.event === "prefect.automation.triggered").length;
            publish(out);
          } catch (e) {
            failed++;
            log.error(`proactive evaluation of automation ${l.automation.id} failed`, e);
          }
        }
      }
      await deps.driver.tx(() => sweepOp(addSeconds(asOf, -EXPIRED_BUCKET_BUFFER_SECONDS)));
      const line = fired ? `${fired} proactive firing${fired === 1 ? "" : "s"}` : "";
      return failed ? `${line ? `${line}; ` : ""}${failed} trigger(s) failed` : line;
    },
    /** Waits for a reload in flight (tests: an automation just created is in effect). */
    ready: async (): Promise<void> => {
      await loading;
    },
    reload,
    stop(): void {
      unsubscribe?.();
      deps.events.onStored(null);
      if (deps.persister) deps.persister.urgent = null;
    },
  };
}

export type AutomationTriggers = ReturnType<typeof automationTriggers>;
