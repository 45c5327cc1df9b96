// The scheduler's reads and writes (Prefect's services/scheduler.py and models/deployments.py
// schedule_runs): which active schedules of unpaused deployments are short of future runs, and the
// batched insert of their next runs.
//
// A schedule is due when fewer than `minRuns` of its auto-scheduled runs lie ahead, or none reaches
// `now + minSeconds`. Both questions read a few entries of the partial index on
// (deployment_schedule_id, next_scheduled_start_time) (migration 0007), so a pass over a thousand
// schedules that all have their runs reads a few thousand index entries, not every scheduled run.
//
// Runs carry Prefect's idempotency key "scheduled <deployment> <schedule> <date>", unique per flow, and
// are inserted with ON CONFLICT DO NOTHING: a second pass, a restart or a second server inserting the
// same dates writes nothing.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op } from "../db/driver.ts";
import { retryConflictVictims } from "../db/errors.ts";
import { exec, rows } from "../db/driver.ts";
import { rowCodec } from "../db/rows.ts";
import * as tables from "../db/schema/pg.ts";
import { addSeconds, compareTimestamps, nowTimestamp } from "../core/time.ts";
import { makeDraft } from "../orchestration/states.ts";
import { type Schedule, parseSchedule, scheduleDates } from "../schedules/index.ts";
import { runSlug } from "./slugs.ts";
import { fragmentsFor, list, raw } from "./sql.ts";

export interface SchedulerSettings {
  minRuns: number;
  maxRuns: number;
  minScheduledSeconds: number;
  maxScheduledSeconds: number;
  deploymentBatchSize: number;
  insertBatchSize: number;
}

/** A due schedule with the deployment fields its runs copy. */
interface DueSchedule {
  id: string;
  deployment_id: string;
  schedule: Record<string, unknown>;
  max_scheduled_runs: number | null;
  parameters: Record<string, unknown>;
  slug: string | null;
  flow_id: string;
  d_parameters: Record<string, unknown>;
  d_tags: string[];
  d_labels: Record<string, unknown>;
  d_version: string | null;
  d_work_queue_name: string | null;
  d_work_queue_id: string | null;
  d_infrastructure_document_id: string | null;
  /** When the deployment and the schedule were last changed, to see whether they changed since. */
  d_updated: string;
  updated: string;
}

const DUE_CODEC = rowCodec(tables.deploymentSchedule, {
  d_parameters: "json",
  d_tags: "json",
  d_labels: "json",
  d_updated: "timestamp",
});

/** Prefect names the schedule's class when a schedule has no slug. */
function className(s: Record<string, unknown>): string {
  return "interval" in s ? "IntervalSchedule" : "cron" in s ? "CronSchedule" : "RRuleSchedule";
}

// Parsing a schedule (a cron or rrule compiled, a time zone looked up) costs more than its dates; the
// same schedules come back every pass.
const parsed = new Map<string, Schedule>();
function scheduleOf(json: Record<string, unknown>): Schedule {
  const key = JSON.stringify(json);
  let s = parsed.get(key);
  if (!s) {
    s = parseSchedule(json, ["schedule"]);
    if (parsed.size >= 10_000) parsed.delete(parsed.keys().next().value as string);
    parsed.set(key, s);
  }
  return s;
}

/** Runs inserted by one pass past which PostgreSQL's statistics are refreshed. */
const ANALYZE_AFTER_RUNS = 10_000;

export function schedulerStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  const FLOW_RUN_COLUMNS = [
    "id",
    "created",
    "updated",
    "name",
    "flow_id",
    "deployment_id",
    "deployment_version",
    "work_queue_name",
    "work_queue_id",
    "parameters",
    "infrastructure_document_id",
    "idempotency_key",
    "tags",
    "labels",
    "auto_scheduled",
    "state_id",
    "state_type",
    "state_name",
    "state_timestamp",
    "next_scheduled_start_time",
    "expected_start_time",
    "created_by",
    "deployment_schedule_id",
  ].join(", ");

  /** The next batch of due schedules after `after` (by id). `recentSince` keeps recently changed deployments only. */
  function* dueOp(
    s: SchedulerSettings,
    now: string,
    after: string | null,
    recentSince: string | null,
    deploymentId: string | null,
  ): Op<DueSchedule[]> {
    const until = addSeconds(now, s.minScheduledSeconds);
    // An OFFSET keeps PostgreSQL from turning the second check into one hashed scan of every future
    // run (60 ms at 100k runs with stale statistics, against 8 ms as a lookup per schedule).
    const noHash = d.dialect === "pg" ? sql` OFFSET 0` : sql``;
    const offset = Math.max(s.minRuns - 1, 0);
    const ahead = (from: string) =>
      sql`SELECT 1 FROM flow_run r WHERE r.deployment_schedule_id = s.id AND r.state_type = 'SCHEDULED'
        AND r.next_scheduled_start_time >= ${from}`;
    // A manual schedule (POST /deployments/{id}/schedule) backfills a paused deployment too, as Prefect's.
    const conds = [sql`s.active = ${true}`, ...(deploymentId ? [] : [sql`dep.paused = ${false}`])];
    if (after) conds.push(sql`s.id > ${after}`);
    if (recentSince) conds.push(sql`dep.updated >= ${recentSince}`);
    if (deploymentId) conds.push(sql`dep.id = ${deploymentId}`);
    else
      conds.push(sql`(NOT EXISTS (${ahead(now)} ORDER BY r.next_scheduled_start_time LIMIT 1 OFFSET ${offset})
        OR NOT EXISTS (${ahead(until)}${noHash}))`);
    return yield* rows<DueSchedule>(
      sql`SELECT s.id, s.deployment_id, s.schedule, s.max_scheduled_runs, s.parameters, s.slug, dep.flow_id,
          dep.parameters AS d_parameters, dep.tags AS d_tags, dep.labels AS d_labels, dep.version AS d_version,
          dep.work_queue_name AS d_work_queue_name, dep.work_queue_id AS d_work_queue_id,
          dep.infrastructure_document_id AS d_infrastructure_document_id, dep.updated AS d_updated, s.updated
        FROM deployment_schedule s JOIN deployment dep ON dep.id = s.deployment_id
        WHERE ${sql.join(conds, sql` AND `)}
        ORDER BY s.id LIMIT ${s.deploymentBatchSize}`,
      DUE_CODEC,
    );
  }

  /**
   * The dates a schedule wants from `start`: at most its maximum, none past `end`, and stopping at the
   * first date that makes both minimums true (Prefect's _generate_scheduled_flow_runs).
   */
  function datesFor(
    due: DueSchedule,
    window: { start: string; end: string | null; minRuns: number; maxRuns: number; minSeconds: number },
  ): string[] {
    const n = Math.min(window.maxRuns, due.max_scheduled_runs ?? window.maxRuns);
    let dates: string[];
    try {
      dates = scheduleDates(scheduleOf(due.schedule), { start: window.start, end: window.end ?? undefined, n });
    } catch {
      // A stored schedule this version cannot compute (it was checked when written): no runs, not a crash.
      return [];
    }
    const until = addSeconds(window.start, window.minSeconds);
    const out: string[] = [];
    for (const date of dates) {
      out.push(date);
      if (out.length >= window.minRuns && compareTimestamps(date, until) >= 0) break;
    }
    return out;
  }

  function runRows(due: DueSchedule, dates: string[], now: string) {
    const tags = ["auto-scheduled", ...due.d_tags.filter((t) => t !== "auto-scheduled")];
    const labels = { ...due.d_labels, "prefect.flow.id": due.flow_id, "prefect.deployment.id": due.deployment_id };
    const parameters = { ...due.d_parameters, ...due.parameters };
    const createdBy = { id: due.id, display_value: due.slug ?? className(due.schedule), type: "SCHEDULE" };
    return dates.map((date) => ({
      id: Bun.randomUUIDv7(),
      stateId: Bun.randomUUIDv7(),
      date,
      due,
      tags,
      labels,
      parameters,
      createdBy,
      now,
    }));
  }

  /**
   * Inserts the runs of one batch; returns how many were new. The runs were built from a read made
   * before; a schedule or deployment changed, paused or deleted since keeps none of them (the fast loop
   * schedules it again from its new state), so a change is never undone by a pass under way. The check
   * and the insert are one transaction: synchronous on SQLite, and on PostgreSQL the rows are locked
   * (FOR SHARE) so a concurrent change waits for it or is seen by it.
   */
  function* insertOp(all: ReturnType<typeof runRows>, manual: boolean): Op<number> {
    if (!all.length) return 0;
    const ids = [...new Set(all.map((r) => r.due.id))];
    const live = yield* rows<{ id: string; d_updated: string; updated: string }>(
      sql`SELECT s.id, dep.updated AS d_updated, s.updated FROM deployment_schedule s
        JOIN deployment dep ON dep.id = s.deployment_id
        WHERE s.id IN (${list(ids)}) AND s.active = ${true} ${manual ? sql`` : sql`AND dep.paused = ${false}`}
        ${d.dialect === "pg" ? sql`FOR SHARE OF s, dep` : sql``}`,
      DUE_CODEC,
    );
    const current = new Map(live.map((l) => [l.id, l]));
    const batch = all.filter((r) => {
      const l = current.get(r.due.id);
      return l !== undefined && l.d_updated === r.due.d_updated && l.updated === r.due.updated;
    });
    if (!batch.length) return 0;
    const values = batch.map(
      (r) => sql`(${r.id}, ${r.now}, ${r.now}, ${runSlug()}, ${r.due.flow_id}, ${r.due.deployment_id},
        ${r.due.d_version}, ${r.due.d_work_queue_name}, ${r.due.d_work_queue_id}, ${d.json(r.parameters)},
        ${r.due.d_infrastructure_document_id},
        ${`scheduled ${r.due.deployment_id} ${r.due.id} ${r.date}`}, ${d.json(r.tags)}, ${d.json(r.labels)},
        ${true}, ${r.stateId}, 'SCHEDULED', 'Scheduled', ${r.now}, ${r.date}, ${r.date}, ${d.json(r.createdBy)},
        ${r.due.id})`,
    );
    const inserted = yield* rows<{ id: string }>(
      sql`INSERT INTO flow_run (${raw(FLOW_RUN_COLUMNS)}) VALUES ${sql.join(values, sql`, `)}
        ON CONFLICT (flow_id, idempotency_key) DO NOTHING RETURNING id`,
    );
    if (!inserted.length) return 0;
    const fresh = new Set(inserted.map((r) => r.id));
    const states = batch
      .filter((r) => fresh.has(r.id))
      .map((r) => {
        const draft = makeDraft("SCHEDULED", {
          message: "Flow run scheduled",
          state_details: { scheduled_time: r.date, flow_run_id: r.id },
        });
        return sql`(${r.stateId}, ${r.now}, ${r.now}, ${r.id}, 'SCHEDULED', ${r.now}, 'Scheduled', ${draft.message},
          ${d.json(draft.state_details)}, ${d.json(null)})`;
      });
    yield* exec(
      sql`INSERT INTO flow_run_state (id, created, updated, flow_run_id, type, timestamp, name, message, state_details,
        data) VALUES ${sql.join(states, sql`, `)}`,
    );
    return inserted.length;
  }

  /** Generates and inserts the runs of these due schedules in batches of insertBatchSize. */
  /**
   * Generates and inserts the runs of these due schedules, insertBatchSize at a time: at most one
   * schedule's dates and one batch of runs are in memory at once.
   */
  async function insertFor(
    due: DueSchedule[],
    s: SchedulerSettings,
    window: { start: string; end: string | null; minRuns: number; maxRuns: number; minSeconds: number },
    manual: boolean,
  ): Promise<number> {
    const now = nowTimestamp();
    let inserted = 0;
    let pending: ReturnType<typeof runRows> = [];
    const flush = async () => {
      const batch = pending;
      pending = [];
      // Two servers scheduling the same deployments, or a schedule change beside a pass, can lock the
      // same rows in another order (a CI run logged the deadlock once); the batch is idempotent.
      inserted += await retryConflictVictims(() => driver.tx(() => insertOp(batch, manual)));
    };
    for (const one of due) {
      for (const r of runRows(one, datesFor(one, window), now)) {
        pending.push(r);
        if (pending.length >= s.insertBatchSize) await flush();
      }
    }
    if (pending.length) await flush();
    return inserted;
  }

  /**
   * After a pass that inserted many runs, PostgreSQL's planner still believes the old row counts until
   * autovacuum comes round (up to a minute), and meanwhile plans the runners' polls as scans: ANALYZE at
   * once. SQLite's statistics are the upkeep service's (services/database-upkeep.ts).
   */
  async function refreshStatistics(inserted: number): Promise<void> {
    if (driver.dialect !== "pg" || inserted < ANALYZE_AFTER_RUNS) return;
    await driver.tx(function* () {
      yield* exec(sql`ANALYZE flow_run`);
    });
  }

  /** Every due schedule a batch at a time (by id), each batch's runs generated and inserted before the next. */
  async function pass(
    s: SchedulerSettings,
    window: { start: string; end: string | null; minRuns: number; maxRuns: number; minSeconds: number },
    only: { recentSince?: string | null; deploymentId?: string | null },
  ): Promise<number> {
    let after: string | null = null;
    let inserted = 0;
    for (;;) {
      const due = await driver.read(() =>
        dueOp(s, window.start, after, only.recentSince ?? null, only.deploymentId ?? null),
      );
      inserted += await insertFor(due, s, window, Boolean(only.deploymentId));
      if (due.length < s.deploymentBatchSize) return inserted;
      after = due[due.length - 1].id;
    }
  }

  return {
    /**
     * One scheduler pass: every due schedule, a batch at a time. With `recentSeconds`, only deployments
     * changed in that window (the fast loop). Returns the number of runs inserted.
     */
    async schedule(s: SchedulerSettings, opts: { recentSeconds?: number } = {}): Promise<number> {
      const start = nowTimestamp();
      const end = addSeconds(start, s.maxScheduledSeconds);
      const recentSince = opts.recentSeconds != null ? addSeconds(start, -(opts.recentSeconds + 1)) : null;
      const inserted = await pass(
        s,
        { start, end, minRuns: s.minRuns, maxRuns: s.maxRuns, minSeconds: s.minScheduledSeconds },
        { recentSince },
      );
      await refreshStatistics(inserted);
      return inserted;
    },

    /**
     * POST /deployments/{id}/schedule: runs for every active schedule of one deployment within the bounds
     * given (a backfill when they are in the past), whether or not the scheduler would call it due.
     */
    scheduleDeployment(
      deploymentId: string,
      s: SchedulerSettings,
      w: { start: string; end: string | null; minRuns: number; maxRuns: number; minSeconds: number },
    ): Promise<number> {
      const end = w.end ?? addSeconds(w.start, s.maxScheduledSeconds);
      return pass(s, { ...w, end }, { deploymentId });
    },
  };
}

export type SchedulerStore = ReturnType<typeof schedulerStore>;
