// The durable queue of triggered actions (automation_action, written by store/automation-buckets.ts in
// the transaction that fired) and one attempt row per try. The actions service claims due rows by
// pushing their next attempt past a lease, so a server that stops mid-delivery retries after restart
// (at least once); a success or the last failed attempt closes the row.
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Driver, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import type { Action } from "../schemas/automation-actions.ts";
import { fragmentsFor } from "./sql.ts";

export interface QueuedAction {
  id: string;
  automation_id: string;
  action_index: number;
  action: Action;
  triggered: string;
  triggering_labels: Record<string, string>;
  triggering_event: ReceivedEvent | null;
  automation_triggered_event_id: string | null;
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  next_attempt: string;
  last_error: string | null;
}

export interface ActionAttempt {
  id: string;
  created: string;
  action_id: string;
  attempt: number;
  status: "SUCCESS" | "FAILURE";
  response_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** One delivery as GET /api/automations/{id}/deliveries shows it (api/automation-deliveries.ts). */
export interface DeliveryJson {
  id: string;
  created: string;
  updated: string;
  automation_id: string;
  action_index: number;
  action_type: string;
  status: QueuedAction["status"];
  triggered: string;
  /** When a PENDING delivery is tried next (or its claim lapses); null once it is closed. */
  next_attempt: string | null;
  /** Tries begun, the one under way included. */
  attempt_count: number;
  last_error: string | null;
  attempts: Array<Omit<ActionAttempt, "action_id">>;
}

/** The attempts of these actions, oldest first, by action id. */
function* attemptsOf(ids: string[]) {
  const out = new Map<string, ActionAttempt[]>();
  if (!ids.length) return out;
  const tries = yield* rows<ActionAttempt>(sql`
    SELECT id, created, action_id, attempt, status, response_code, error, duration_ms FROM automation_action_attempt
    WHERE action_id IN (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) ORDER BY attempt`);
  for (const t of tries) {
    const list = out.get(t.action_id) ?? [];
    list.push({
      ...t,
      attempt: Number(t.attempt),
      duration_ms: Number(t.duration_ms),
      response_code: t.response_code === null ? null : Number(t.response_code),
    });
    out.set(t.action_id, list);
  }
  return out;
}

const queued = (r: Row): QueuedAction => ({
  id: r.id as string,
  automation_id: r.automation_id as string,
  action_index: Number(r.action_index),
  action: r.action as Action,
  triggered: r.triggered as string,
  triggering_labels: (r.triggering_labels as Record<string, string>) ?? {},
  triggering_event: (r.triggering_event as ReceivedEvent) ?? null,
  automation_triggered_event_id: (r.automation_triggered_event_id as string) ?? null,
  status: r.status as QueuedAction["status"],
  attempts: Number(r.attempts),
  next_attempt: r.next_attempt as string,
  last_error: (r.last_error as string) ?? null,
});

/** One automation's firings for a resource: how many actions it queued for it and when it last fired. */
export interface FiredFor {
  automation_id: string;
  actions: number;
  last: string;
}

/**
 * The smallest UUIDv7 of the millisecond `ts` names. Action ids are UUIDv7s made as the firing is queued
 * (store/automation-buckets.ts), so they sort by firing time in both dialects and the primary key can
 * serve a time range without an index of its own.
 */
/** How long after a resource's end its firings are still looked for (firedFor). */
const FIRED_AFTER_END_SECONDS = 86_400;

export function uuidv7Floor(ts: string): string {
  const hex = Math.max(0, Date.parse(ts)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

export function automationActionsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    /** Up to `limit` due actions, each leased for `leaseSeconds` and counted as one more attempt. */
    claim(limit: number, leaseSeconds: number, now = nowTimestamp()): Promise<QueuedAction[]> {
      return driver.tx(function* () {
        const due = yield* rows<Row>(sql`
          SELECT * FROM automation_action WHERE status = 'PENDING' AND next_attempt <= ${now}
          ORDER BY next_attempt, id LIMIT ${limit} ${d.skipLocked}`);
        const lease = addSeconds(now, leaseSeconds);
        for (const r of due)
          yield* exec(sql`
            UPDATE automation_action SET attempts = attempts + 1, next_attempt = ${lease}, updated = ${now}
            WHERE id = ${r.id as string}`);
        return due.map((r) => ({ ...queued(r), attempts: Number(r.attempts) + 1, next_attempt: lease }));
      });
    },

    /** Records one attempt and closes the action (done, or failed for good) or schedules the retry. */
    record(
      a: QueuedAction,
      attempt: { ok: boolean; responseCode: number | null; error: string | null; durationMs: number },
      retryAt: string | null,
    ): Promise<void> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const status = attempt.ok ? "DELIVERED" : retryAt ? "PENDING" : "FAILED";
        // The update first: it locks the action's row, and finds none when its automation was deleted
        // meanwhile (the cascade took the action): then there is nothing to record the attempt on.
        const still = yield* row<{ id: string }>(sql`
          UPDATE automation_action SET status = ${status}, next_attempt = ${retryAt ?? now}, last_error = ${attempt.error},
            updated = ${now}
          WHERE id = ${a.id} RETURNING id`);
        if (!still) return;
        yield* exec(sql`
          INSERT INTO automation_action_attempt (id, created, updated, action_id, attempt, status, response_code, error, duration_ms)
          VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.id}, ${a.attempts}, ${attempt.ok ? "SUCCESS" : "FAILURE"},
            ${attempt.responseCode}, ${attempt.error}, ${attempt.durationMs})`);
      });
    },

    /** When each of `automationIds` last fired (an automation that never fired is left out). */
    lastFired(automationIds: string[]): Promise<Map<string, string>> {
      if (!automationIds.length) return Promise.resolve(new Map());
      return driver.read(function* () {
        // Named as the column, so it decodes as a timestamp (db/rows.ts).
        const rs = yield* rows<{ automation_id: string; triggered: string }>(sql`
          SELECT automation_id, max(triggered) AS triggered FROM automation_action
          WHERE automation_id IN (${sql.join(
            automationIds.map((id) => sql`${id}`),
            sql`, `,
          )}) GROUP BY automation_id`);
        return new Map(rs.map((r) => [String(r.automation_id), r.triggered]));
      });
    },

    /**
     * The automations that fired for `resourceId` since `since`: their triggering event is about it, or,
     * for an action on the automation's own triggered event (actions_on_trigger), the event that caused
     * that one is. A resource's firings cannot precede it, so its creation (less a minute for the clocks
     * of several servers) bounds the scan to the actions queued since, a range of the primary key (see
     * uuidv7Floor), instead of every firing kept. `until` (a finished run's end) bounds it above too, a
     * day later for the triggers that fire on silence after it, so an old run's page reads its own
     * lifetime's firings, not all those queued since.
     */
    firedFor(resourceId: string, since: string, until: string | null = null): Promise<FiredFor[]> {
      const about = (keys: string[]) => d.jsonText(sql`triggering_event`, [...keys, "resource", "prefect.resource.id"]);
      const upTo = until ? sql`AND id < ${uuidv7Floor(addSeconds(until, FIRED_AFTER_END_SECONDS))}` : sql``;
      return driver.read(function* () {
        const rs = yield* rows<{ automation_id: string; actions: number; triggered: string }>(sql`
          SELECT automation_id, count(*) AS actions, max(triggered) AS triggered FROM automation_action
          WHERE id >= ${uuidv7Floor(addSeconds(since, -60))} ${upTo}
            AND (${about([])} = ${resourceId} OR ${about(["payload", "triggering_event"])} = ${resourceId})
          GROUP BY automation_id ORDER BY triggered DESC, automation_id`);
        return rs.map((r) => ({
          automation_id: String(r.automation_id),
          actions: Number(r.actions),
          last: r.triggered,
        }));
      });
    },

    /** An automation's latest actions, newest first, with their attempts. */
    recent(
      automationId: string | null,
      limit: number,
    ): Promise<Array<QueuedAction & { attempts_log: ActionAttempt[] }>> {
      return driver.read(function* () {
        const list = (yield* rows<Row>(sql`
          SELECT * FROM automation_action ${automationId ? sql`WHERE automation_id = ${automationId}` : sql``}
          ORDER BY triggered DESC, id DESC LIMIT ${limit}`)).map(queued);
        const tries = yield* attemptsOf(list.map((a) => a.id));
        return list.map((a) => ({ ...a, attempts_log: tries.get(a.id) ?? [] }));
      });
    },

    /** A page of an automation's deliveries (newest first) as the API shows them, each with its attempts. */
    deliveries(automationId: string, limit: number, offset: number): Promise<DeliveryJson[]> {
      return driver.read(function* () {
        const list = yield* rows<Row>(sql`
          SELECT * FROM automation_action WHERE automation_id = ${automationId}
          ORDER BY triggered DESC, id DESC LIMIT ${limit} OFFSET ${offset}`);
        const tries = yield* attemptsOf(list.map((r) => r.id as string));
        return list.map((r) => {
          const a = queued(r);
          return {
            id: a.id,
            created: r.created as string,
            updated: r.updated as string,
            automation_id: a.automation_id,
            action_index: a.action_index,
            action_type: a.action.type,
            status: a.status,
            triggered: a.triggered,
            next_attempt: a.status === "PENDING" ? a.next_attempt : null,
            attempt_count: a.attempts,
            last_error: a.last_error,
            attempts: (tries.get(a.id) ?? []).map(({ action_id: _, ...t }) => t),
          };
        });
      });
    },
  };
}

export type AutomationActionsStore = ReturnType<typeof automationActionsStore>;
