// The actions service: performs the triggered actions queued in automation_action, at least once, each
// try recorded (status, response code, error, duration), retried with exponential backoff up to
// MAX_ATTEMPTS, then left FAILED where the API and dashboard show it. A slow or dead receiver holds
// only its own delivery (a timeout bounds each request); orchestration never waits on it. Each
// outcome is announced as prefect.automation.action.triggered and .executed / .failed, as Prefect does.
import { log } from "../core/logger.ts";
import { addSeconds, nowTimestamp } from "../core/time.ts";
import { actionOutcomeEvents } from "../events/automation-events.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import type { AutomationChanges } from "../orchestration/automations.ts";
import type { DeploymentTransitions } from "../orchestration/deployments.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import type { AutomationActionsStore, QueuedAction } from "../store/automation-actions.ts";
import type { AutomationJson, AutomationsStore } from "../store/automations.ts";
import { type ActionDeps, performAction, registerUiFilters } from "./automation-perform.ts";

export const MAX_ATTEMPTS = 5;
const LEASE_SECONDS = 60;
const backoffSeconds = (attempt: number) => Math.min(2 ** (attempt - 1), 60);

export interface ActionsServiceDeps extends Omit<ActionDeps, "automation"> {
  actions: AutomationActionsStore;
  automations: AutomationsStore;
  bus: EventBus;
  /** Seconds to wait after failed attempt n (1, 2, 4, … up to 60); tests shorten it. */
  backoffSeconds?: (attempt: number) => number;
}

export function performActions(deps: ActionsServiceDeps) {
  registerUiFilters(deps.uiUrl);
  const backoff = deps.backoffSeconds ?? backoffSeconds;
  let running: Promise<string> | null = null;
  // Set while the server stops: a pass ends after the batch at hand instead of draining the queue (a
  // backlog of thousands of actions held a stopping server for half an hour). Claimed rows left
  // unperformed come back when their lease ends.
  let halted = false;
  const once = async (): Promise<string> => {
    let done = 0;
    while (!halted) {
      const batch = await deps.actions.claim(20, LEASE_SECONDS);
      if (!batch.length) break;
      await Promise.all(batch.map((a) => one(a)));
      done += batch.length;
    }
    return done ? `performed ${done} action(s)` : "";
  };
  const one = async (a: QueuedAction) => {
    const automation = await deps.automations.get(a.automation_id);
    const started = performance.now();
    let outcome: Awaited<ReturnType<typeof performAction>>;
    try {
      outcome = automation
        ? await performAction(a, { ...deps, automation })
        : { ok: false, reason: "The automation no longer exists", responseCode: null };
    } catch (e) {
      outcome = { ok: false, reason: e instanceof Error ? e.message : String(e), responseCode: null };
    }
    const durationMs = performance.now() - started;
    // Only deliveries (a receiver that may answer better later) are retried; a refusal is final.
    const retry = !outcome.ok && outcome.retry !== false && a.attempts < MAX_ATTEMPTS;
    await deps.actions.record(
      a,
      { ok: outcome.ok, responseCode: outcome.responseCode, error: outcome.ok ? null : outcome.reason, durationMs },
      retry ? addSeconds(nowTimestamp(), backoff(a.attempts)) : null,
    );
    if (!automation || retry) return;
    const events: ReceivedEvent[] = actionOutcomeEvents(
      automation as AutomationJson & { trigger: { type: string; posture?: string } },
      a,
      outcome.ok
        ? { ok: true, details: outcome.details }
        : { ok: false, reason: outcome.reason, details: outcome.details },
      nowTimestamp(),
    );
    deps.bus.publish(events);
    if (!outcome.ok) log.warn(`automation action failed: ${outcome.reason}`);
  };
  /**
   * One pass. A call during a pass asks for another right after it (the running pass may already
   * have looked for due rows), and every caller waits for the pass that covers its request.
   */
  let again = false;
  const run = (): Promise<string> => {
    if (halted) return Promise.resolve("");
    if (running) {
      again = true;
      return running;
    }
    const loop = async (): Promise<string> => {
      let out = await once();
      while (again && !halted) {
        again = false;
        out = (await once()) || out;
      }
      return out;
    };
    running = loop().finally(() => {
      running = null;
    });
    return running;
  };
  /**
   * The Notifications page's "send test": the automation's first send-notification action, with a
   * fixed test message, through its channel now, outside the queue (nothing is recorded or retried).
   * Null when there is no such automation or it sends no notification.
   */
  const sendTest = async (automationId: string) => {
    const automation = await deps.automations.get(automationId);
    const notify = automation?.actions.find((x) => x.type === "send-notification");
    if (!automation || !notify) return null;
    const now = nowTimestamp();
    const test: QueuedAction = {
      id: Bun.randomUUIDv7(),
      automation_id: automation.id,
      action_index: 0,
      action: {
        ...notify,
        subject: `Test notification from prefect-lite: ${automation.name}`,
        body: `This is a test of the notification "${automation.name}", sent from the dashboard at ${now}. Its channel works.`,
      },
      triggered: now,
      triggering_labels: {},
      triggering_event: null,
      automation_triggered_event_id: null,
      status: "PENDING",
      attempts: 1,
      next_attempt: now,
      last_error: null,
    };
    try {
      return await performAction(test, { ...deps, automation });
    } catch (e) {
      return { ok: false as const, reason: e instanceof Error ? e.message : String(e), responseCode: null };
    }
  };
  return Object.assign(run, {
    sendTest,
    /** Ends the pass under way after its batch, and refuses new ones, until resume(). */
    halt: () => {
      halted = true;
    },
    resume: () => {
      halted = false;
    },
  });
}

export type ActionsRunner = ReturnType<typeof performActions>;

export type { AutomationChanges, DeploymentTransitions, Transitions, WorkPoolTransitions };
