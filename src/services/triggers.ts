// Prefect's triggers service, reactive half: the event persister's transaction counts each newly stored
// event against the enabled automations' event triggers (store/automation-buckets.ts), so the count,
// the firing and its queued actions commit with the event. After the commit the automation.triggered
// events are published and the actions service is nudged, so a notification leaves within moments of
// the state change rather than at the next loop. The enabled automations are cached and reloaded
// whenever one is created, updated or deleted (their prefect.automation.* events).
import { log } from "../core/logger.ts";
import type { Driver } from "../db/driver.ts";
import type { EventBus } from "../events/bus.ts";
import { evaluateOp, type Fired } from "../store/automation-buckets.ts";
import type { AutomationJson, AutomationsStore } from "../store/automations.ts";
import type { EventsStore } from "../store/events.ts";
import { fragmentsFor } from "../store/sql.ts";

export function automationTriggers(deps: {
  driver: Driver;
  bus: EventBus;
  automations: AutomationsStore;
  events: EventsStore;
  /** Runs the actions service once (after a firing queued actions). */
  nudge: () => void;
}) {
  const d = fragmentsFor(deps.driver.dialect);
  let cache: AutomationJson[] = [];
  let loading: Promise<void> | null = null;
  let asked = 0;
  // Reads may finish out of order (PostgreSQL runs them on several connections): only the latest
  // reload's answer is kept, so a slow older read never brings back a stale list.
  const reload = () => {
    const mine = ++asked;
    loading = deps.automations
      .enabled()
      .then((list) => {
        if (mine === asked) cache = list;
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
        op: (stored) => evaluateOp(cache, stored, d),
        committed: (fired) => {
          deps.bus.publish(fired.events);
          if (fired.actions) deps.nudge();
        },
      });
    },
    /** Waits for a reload in flight (tests: an automation just created is in effect). */
    ready: async (): Promise<void> => {
      await loading;
    },
    reload,
    stop(): void {
      unsubscribe?.();
      deps.events.onStored(null);
    },
  };
}

export type AutomationTriggers = ReturnType<typeof automationTriggers>;
