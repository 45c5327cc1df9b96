// A deployment's schedules: reads, creates (slugs unique per deployment), updates and deletes, and the
// ops the deployments store shares (store/deployments.ts). Changing or deleting a schedule deletes its
// runs that have not started, late ones included, so a runner never picks up a run of a schedule that
// is gone; the scheduler makes the new ones.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { TABLE_CODECS } from "../db/rows.ts";
import { conflict } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { ScheduleInput } from "../schemas/deployments.ts";
import { scheduleJson, type ScheduleJson } from "./deployment-shapes.ts";
import { type Fragments, fragmentsFor, list } from "./sql.ts";

const SCHEDULE = TABLE_CODECS.deployment_schedule;

/**
 * Deletes a deployment's runs that are still Scheduled and never ran (not the ones waiting for a
 * concurrency slot): the auto-scheduled future ones by default, every one with `all`. With `scheduleId`
 * only that schedule's.
 */
export function* deleteScheduledRunsOp(
  deploymentId: string,
  opts: { all?: boolean; scheduleId?: string; futureOnly?: boolean } = {},
): Op<number> {
  const conds = [
    sql`deployment_id = ${deploymentId}`,
    sql`state_type = 'SCHEDULED'`,
    sql`state_name <> 'AwaitingConcurrencySlot'`,
    sql`run_count = 0`,
  ];
  if (!opts.all) conds.push(sql`auto_scheduled = ${true}`);
  if (opts.futureOnly ?? !opts.all) conds.push(sql`next_scheduled_start_time > ${nowTimestamp()}`);
  if (opts.scheduleId) conds.push(sql`deployment_schedule_id = ${opts.scheduleId}`);
  return yield* exec(sql`DELETE FROM flow_run WHERE ${sql.join(conds, sql` AND `)}`);
}

/** Statement builders over one dialect's fragments. */
export function scheduleOps(d: Fragments) {
  function* schedulesOf(ids: string[]): Op<Map<string, ScheduleJson[]>> {
    const out = new Map<string, ScheduleJson[]>(ids.map((id) => [id, []]));
    if (!ids.length) return out;
    const rs = yield* rows<Row>(
      sql`SELECT * FROM deployment_schedule WHERE deployment_id IN (${list(ids)}) ORDER BY created, id`,
      SCHEDULE,
    );
    for (const r of rs) out.get(r.deployment_id as string)?.push(scheduleJson(r));
    return out;
  }

  function* insertSchedulesOp(deploymentId: string, schedules: ScheduleInput[], now: string): Op<ScheduleJson[]> {
    const slugs = schedules.map((s) => s.slug).filter((s): s is string => s !== null);
    if (new Set(slugs).size !== slugs.length) throw conflict("Schedule slugs must be unique within a deployment.");
    const out: ScheduleJson[] = [];
    for (const s of schedules) {
      const r = yield* row<Row>(
        sql`INSERT INTO deployment_schedule (id, created, updated, deployment_id, schedule, active, max_scheduled_runs,
            parameters, slug)
          VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${deploymentId}, ${d.json(s.schedule)}, ${s.active},
            ${s.max_scheduled_runs}, ${d.json(s.parameters)}, ${s.slug})
          ON CONFLICT (deployment_id, slug) DO NOTHING
          RETURNING *`,
        SCHEDULE,
      );
      if (!r) throw conflict(`A schedule with slug '${s.slug}' already exists for this deployment.`);
      out.push(scheduleJson(r));
    }
    return out;
  }

  function* updateScheduleOp(
    deploymentId: string,
    scheduleId: string,
    fields: Partial<ScheduleInput>,
    now: string,
  ): Op<boolean> {
    const sets = [sql`updated = ${now}`];
    if (fields.schedule !== undefined) sets.push(sql`schedule = ${d.json(fields.schedule)}`);
    if (fields.active !== undefined) sets.push(sql`active = ${fields.active}`);
    if (fields.max_scheduled_runs !== undefined) sets.push(sql`max_scheduled_runs = ${fields.max_scheduled_runs}`);
    if (fields.parameters !== undefined) sets.push(sql`parameters = ${d.json(fields.parameters)}`);
    if (fields.slug !== undefined) sets.push(sql`slug = ${fields.slug}`);
    const n = yield* exec(
      sql`UPDATE deployment_schedule SET ${sql.join(sets, sql`, `)}
        WHERE id = ${scheduleId} AND deployment_id = ${deploymentId}`,
    );
    return n > 0;
  }
  return { schedulesOf, insertSchedulesOp, updateScheduleOp };
}

export function deploymentSchedulesStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  const { schedulesOf, insertSchedulesOp, updateScheduleOp } = scheduleOps(d);
  return {
    schedules(deploymentId: string): Promise<ScheduleJson[] | null> {
      return driver.read(function* () {
        const dep = yield* row(sql`SELECT id FROM deployment WHERE id = ${deploymentId}`);
        if (!dep) return null;
        return (yield* schedulesOf([deploymentId])).get(deploymentId) ?? [];
      });
    },

    createSchedules(deploymentId: string, schedules: ScheduleInput[]): Promise<ScheduleJson[] | null> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const dep = yield* row(sql`SELECT id FROM deployment WHERE id = ${deploymentId}${d.forUpdate}`);
        if (!dep) return null;
        const created = yield* insertSchedulesOp(deploymentId, schedules, now);
        yield* exec(sql`UPDATE deployment SET updated = ${now} WHERE id = ${deploymentId}`);
        return created;
      });
    },

    /** False when the deployment or the schedule does not exist. */
    updateSchedule(deploymentId: string, scheduleId: string, fields: Partial<ScheduleInput>): Promise<boolean> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        if (!(yield* updateScheduleOp(deploymentId, scheduleId, fields, now))) return false;
        yield* deleteScheduledRunsOp(deploymentId, { scheduleId, futureOnly: false });
        yield* exec(sql`UPDATE deployment SET updated = ${now} WHERE id = ${deploymentId}`);
        return true;
      });
    },

    deleteSchedule(deploymentId: string, scheduleId: string): Promise<boolean> {
      return driver.tx(function* () {
        const n = yield* exec(
          sql`DELETE FROM deployment_schedule WHERE id = ${scheduleId} AND deployment_id = ${deploymentId}`,
        );
        if (!n) return false;
        // Late runs of the schedule go too, or a runner would still pick them up.
        yield* deleteScheduledRunsOp(deploymentId, { scheduleId, futureOnly: false });
        yield* exec(sql`UPDATE deployment SET updated = ${nowTimestamp()} WHERE id = ${deploymentId}`);
        return true;
      });
    },
  };
}
