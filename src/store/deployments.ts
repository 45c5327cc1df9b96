// Deployments: upsert on (flow, name), reads, filters, updates with Prefect's schedule rules, deletes,
// pause/resume and READY/NOT_READY. Every change that makes a deployment's future runs stale deletes its
// future auto-scheduled runs that have not started (the scheduler makes new ones); nothing else is
// ever deleted from a run's history.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { TABLE_CODECS } from "../db/rows.ts";
import { conflict, integrityConflict } from "../core/errors.ts";
import { addSeconds, nowTimestamp } from "../core/time.ts";
import { DEPLOYMENT_EVENT_FIELDS, type DeploymentFields, type ScheduleInput } from "../schemas/deployments.ts";
import { deploymentWhere, orderBy } from "./filters.ts";
import type { FilterBody, Page } from "./page.ts";
import { fragmentsFor, list, raw } from "./sql.ts";
import { deploymentJson, type DeploymentJson, type ScheduleJson } from "./deployment-shapes.ts";
import { deleteDeploymentLimitsOp } from "./deployment-concurrency.ts";
import { deleteScheduledRunsOp, deploymentSchedulesStore, scheduleOps } from "./deployment-schedules.ts";
import { type SchedulePatch, planScheduleUpdate } from "./deployment-schedule-plan.ts";
import type { Made } from "./work-pool-shapes.ts";
import { nothingMade, placeOp } from "./work-queue-placement.ts";
import { POLL_WRITE_SECONDS } from "./work-queues.ts";

export type { DeploymentJson, ScheduleJson };

const DEPLOYMENT = TABLE_CODECS.deployment;
const JSON_COLUMNS = new Set([
  "version_info",
  "concurrency_options",
  "job_variables",
  "parameters",
  "parameter_openapi_schema",
  "tags",
  "labels",
  "pull_steps",
  "created_by",
  "updated_by",
]);

/** What a change did, for the event the caller publishes after the commit. */
export interface DeploymentChange {
  deployment: DeploymentJson;
  flowName: string | null;
  created: boolean;
  /** The fields whose values changed, with their old and new values (empty: nothing to announce). */
  updates: Record<string, { from: unknown; to: unknown }>;
  /** Queues (and the agents' pool) the change made to place the deployment. */
  made: Made;
}

const idsOf = (rs: Array<{ id: string }>) => rs.map((r) => r.id);

export function deploymentsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  const { schedulesOf, insertSchedulesOp, updateScheduleOp } = scheduleOps(d);

  /** A change to announce: the deployment as it now is, its flow's name, and what changed. */
  function* changeOf(
    id: string,
    before: DeploymentJson | null,
    created = false,
    made = nothingMade(),
  ): Op<DeploymentChange> {
    const deployment = (yield* getOp(id))!;
    return {
      deployment,
      flowName: yield* flowNameOf(deployment.flow_id),
      created,
      updates: changes(before, deployment),
      made,
    };
  }

  /**
   * Changes of many deployments at once (ready, not ready, bulk delete) with no field updates: their
   * rows, schedules and flow names in three statements, however many there are.
   */
  function* changesOf(ids: string[]): Op<DeploymentChange[]> {
    if (!ids.length) return [];
    const rs = yield* rows<Row>(sql`SELECT * FROM deployment WHERE id IN (${list(ids)}) ORDER BY id`, DEPLOYMENT);
    const deployments = yield* shaped(rs);
    const flowIds = [...new Set(deployments.map((x) => x.flow_id))];
    const names = new Map(
      (yield* rows<{ id: string; name: string }>(sql`SELECT id, name FROM flow WHERE id IN (${list(flowIds)})`)).map(
        (f) => [f.id, f.name],
      ),
    );
    return deployments.map((deployment) => ({
      deployment,
      flowName: names.get(deployment.flow_id) ?? null,
      created: false,
      updates: {},
      made: nothingMade(),
    }));
  }

  function* shaped(rs: Row[]): Op<DeploymentJson[]> {
    const schedules = yield* schedulesOf(rs.map((r) => r.id as string));
    const queues = yield* queuesOf(rs);
    return rs.map((r) => {
      const q = queues.get(r.work_queue_id as string);
      const dep = deploymentJson(r, schedules.get(r.id as string) ?? []);
      // Prefect answers the queue's and pool's names from the queue the deployment points at.
      return q ? { ...dep, work_queue_name: q.queue, work_pool_name: q.pool } : dep;
    });
  }

  function* queuesOf(rs: Row[]): Op<Map<string, { queue: string; pool: string }>> {
    const ids = [...new Set(rs.map((r) => r.work_queue_id as string | null).filter((x): x is string => !!x))];
    if (!ids.length) return new Map();
    const found = yield* rows<{ id: string; queue: string; pool: string }>(sql`
      SELECT work_queue.id, work_queue.name AS queue, work_pool.name AS pool
      FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id WHERE work_queue.id IN (${list(ids)})`);
    return new Map(found.map((f) => [f.id, { queue: f.queue, pool: f.pool }]));
  }

  function* getOp(id: string): Op<DeploymentJson | null> {
    const r = yield* row<Row>(sql`SELECT * FROM deployment WHERE id = ${id}`, DEPLOYMENT);
    return r ? (yield* shaped([r]))[0] : null;
  }

  function* flowNameOf(flowId: string): Op<string | null> {
    return (yield* row<{ name: string }>(sql`SELECT name FROM flow WHERE id = ${flowId}`))?.name ?? null;
  }

  function setsOf(fields: DeploymentFields): ReturnType<typeof sql>[] {
    const sets = [];
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || key === "work_pool_name") continue;
      sets.push(sql`${raw(key)} = ${JSON_COLUMNS.has(key) ? d.json(value) : value}`);
    }
    return sets;
  }

  function changes(before: DeploymentJson | null, after: DeploymentJson): DeploymentChange["updates"] {
    const updates: DeploymentChange["updates"] = {};
    if (!before) return updates;
    const b = before as unknown as Record<string, unknown>;
    const a = after as unknown as Record<string, unknown>;
    for (const key of DEPLOYMENT_EVENT_FIELDS) {
      if (JSON.stringify(b[key] ?? null) !== JSON.stringify(a[key] ?? null))
        updates[key] = { from: b[key] ?? null, to: a[key] ?? null };
    }
    return updates;
  }

  /** The fields with the queue they place the deployment in (Prefect's rules: work-queue-placement.ts). */
  function* placedOp(fields: DeploymentFields, now: string, made: Made): Op<DeploymentFields> {
    const { work_pool_name, ...rest } = fields;
    const placement = yield* placeOp(d, work_pool_name, rest.work_queue_name, now, made);
    return placement ? { ...rest, ...placement } : rest;
  }

  function* withSystemLabels(flowId: string, labels: Record<string, unknown> | undefined): Op<Record<string, unknown>> {
    const flow = yield* row<{ labels: Record<string, unknown> }>(sql`SELECT labels FROM flow WHERE id = ${flowId}`);
    if (!flow) throw integrityConflict();
    return { ...flow.labels, "prefect.flow.id": flowId, ...(labels ?? {}) };
  }

  return {
    ...deploymentSchedulesStore(driver),

    /**
     * Upsert on (flow_id, name): a new deployment (created) or the given fields written over the existing
     * one, its schedules replaced by the given ones and its future auto-scheduled runs deleted.
     */
    create(input: {
      name: string;
      flow_id: string;
      fields: DeploymentFields;
      schedules: ScheduleInput[];
    }): Promise<DeploymentChange> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const labels = yield* withSystemLabels(input.flow_id, input.fields.labels);
        const made = nothingMade();
        const fields: DeploymentFields = yield* placedOp({ ...input.fields, labels }, now, made);
        const existing = yield* row<Row>(
          sql`SELECT * FROM deployment WHERE flow_id = ${input.flow_id} AND name = ${input.name}${d.forUpdate}`,
          DEPLOYMENT,
        );
        let id: string;
        let before: DeploymentJson | null = null;
        if (existing) {
          id = existing.id as string;
          before = (yield* shaped([existing]))[0];
          const { created_by: _createdBy, ...rest } = fields;
          yield* exec(sql`UPDATE deployment SET ${sql.join([sql`updated = ${now}`, ...setsOf(rest)], sql`, `)}
            WHERE id = ${id}`);
        } else {
          id = Bun.randomUUIDv7();
          // Prefect's column defaults to {}: a deployment made without a schema still runs when enforcing.
          const cols = Object.entries({ parameter_openapi_schema: {}, ...fields }).filter(([, v]) => v !== undefined);
          const names = ["id", "created", "updated", "name", "flow_id", ...cols.map(([k]) => k)];
          const values = [
            sql`${id}`,
            sql`${now}`,
            sql`${now}`,
            sql`${input.name}`,
            sql`${input.flow_id}`,
            ...cols.map(([k, v]) => (JSON_COLUMNS.has(k) ? d.json(v) : sql`${v}`)),
          ];
          const inserted = yield* row<{ id: string }>(sql`
            INSERT INTO deployment (${raw(names.join(", "))}) VALUES (${sql.join(values, sql`, `)})
            ON CONFLICT (flow_id, name) DO NOTHING RETURNING id`);
          // Another writer created it between our read and insert (PostgreSQL): Prefect's answer is an
          // update, so the caller retries through the existing-row path.
          if (!inserted) throw conflict("The deployment was created concurrently; retry the request.");
        }
        yield* deleteScheduledRunsOp(id);
        yield* exec(sql`DELETE FROM deployment_schedule WHERE deployment_id = ${id}`);
        yield* insertSchedulesOp(id, input.schedules, now);
        return yield* changeOf(id, before, !existing, made);
      });
    },

    get: (id: string) => driver.read(() => getOp(id)),

    getByName(flowName: string, name: string): Promise<DeploymentJson | null> {
      return driver.read(function* () {
        const r = yield* row<Row>(
          sql`SELECT deployment.* FROM deployment JOIN flow ON flow.id = deployment.flow_id
            WHERE flow.name = ${flowName} AND deployment.name = ${name}`,
          DEPLOYMENT,
        );
        return r ? (yield* shaped([r]))[0] : null;
      });
    },

    filter(body: FilterBody, page: Page): Promise<DeploymentJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(
          sql`SELECT deployment.* FROM deployment WHERE ${deploymentWhere(body, d)}
            ORDER BY ${orderBy("deployment", page.sort, "NAME_ASC")} LIMIT ${page.limit} OFFSET ${page.offset}`,
          DEPLOYMENT,
        );
        return yield* shaped(rs);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        return (yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM deployment WHERE ${deploymentWhere(body, d)}`,
        ))!.count;
      });
    },

    /**
     * PATCH: the given fields, then the schedules by Prefect's rules (planScheduleUpdate): by slug when
     * every existing and given schedule has one, otherwise replaced wholesale. Null when it does not exist.
     */
    update(id: string, fields: DeploymentFields, schedules: SchedulePatch[] | null): Promise<DeploymentChange | null> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const existing = yield* row<Row>(sql`SELECT * FROM deployment WHERE id = ${id}${d.forUpdate}`, DEPLOYMENT);
        if (!existing) return null;
        const before = (yield* shaped([existing]))[0];
        const made = nothingMade();
        const sets = setsOf(yield* placedOp(fields, now, made));
        yield* exec(sql`UPDATE deployment SET ${sql.join([sql`updated = ${now}`, ...sets], sql`, `)} WHERE id = ${id}`);
        yield* deleteScheduledRunsOp(id);
        if (schedules) {
          const plan = planScheduleUpdate(before.schedules, schedules);
          if (plan.replaceAll) {
            yield* exec(sql`DELETE FROM deployment_schedule WHERE deployment_id = ${id}`);
            yield* insertSchedulesOp(id, plan.create, now);
          } else {
            // Renames first free their old slugs, so a swap of two slugs never trips the unique index.
            for (const p of plan.patch)
              if (p.rename) yield* exec(sql`UPDATE deployment_schedule SET slug = NULL WHERE id = ${p.id}`);
            for (const p of plan.patch) yield* updateScheduleOp(id, p.id, p.fields, now);
            yield* insertSchedulesOp(id, plan.create, now);
          }
        }
        return yield* changeOf(id, before, false, made);
      });
    },

    /** Pausing deletes every auto-scheduled run that has not started, late ones included (as Prefect). */
    setPaused(id: string, paused: boolean): Promise<DeploymentChange | null> {
      return driver.tx(function* () {
        const before = yield* getOp(id);
        if (!before) return null;
        yield* exec(sql`UPDATE deployment SET paused = ${paused}, updated = ${nowTimestamp()} WHERE id = ${id}`);
        if (paused) yield* deleteScheduledRunsOp(id, { futureOnly: false });
        return yield* changeOf(id, before);
      });
    },

    /** Deletes the deployment and every run of it that is still Scheduled; the rest of its runs stay. */
    delete(id: string): Promise<DeploymentChange | null> {
      return driver.tx(function* () {
        const deployment = yield* getOp(id);
        if (!deployment) return null;
        yield* deleteScheduledRunsOp(id, { all: true });
        const change = yield* changeOf(id, null);
        yield* exec(sql`DELETE FROM deployment WHERE id = ${id}`);
        yield* deleteDeploymentLimitsOp([id]);
        return change;
      });
    },

    bulkDelete(body: FilterBody, limit: number): Promise<DeploymentChange[]> {
      return driver.tx(function* () {
        const ids = idsOf(
          yield* rows<{ id: string }>(
            sql`SELECT deployment.id FROM deployment WHERE ${deploymentWhere(body, d)} ORDER BY deployment.id LIMIT ${limit}`,
          ),
        );
        const gone = yield* changesOf(ids);
        for (const id of ids) yield* deleteScheduledRunsOp(id, { all: true });
        if (ids.length) yield* exec(sql`DELETE FROM deployment WHERE id IN (${list(ids)})`);
        yield* deleteDeploymentLimitsOp(ids);
        return gone;
      });
    },

    /**
     * Marks the deployments polled now and READY; returns the ones that were NOT_READY (they get a
     * prefect.deployment.ready event).
     */
    async markReady(ids: string[]): Promise<DeploymentChange[]> {
      if (!ids.length) return [];
      // A runner polls every few seconds: a deployment READY and polled within the last few seconds is
      // left as it is, so most polls read and never pay a commit.
      const now = nowTimestamp();
      const stale = addSeconds(now, -POLL_WRITE_SECONDS);
      const due = idsOf(
        await driver.read(function* () {
          return yield* rows<{ id: string }>(
            sql`SELECT id FROM deployment WHERE id IN (${list(ids)})
              AND (status <> 'READY' OR last_polled IS NULL OR last_polled < ${stale})`,
          );
        }),
      );
      if (!due.length) return [];
      return driver.tx(function* () {
        // Polls arriving together mark the same deployments: each marks those no other one is marking.
        const locked = yield* rows<{ id: string; status: string }>(
          sql`SELECT id, status FROM deployment WHERE id IN (${list(due)}) ORDER BY id${d.skipLocked}`,
        );
        if (!locked.length) return [];
        const unready = locked.filter((r) => r.status === "NOT_READY");
        yield* exec(
          sql`UPDATE deployment SET last_polled = ${now}, status = 'READY' WHERE id IN (${list(idsOf(locked))})`,
        );
        return yield* changesOf(idsOf(unready));
      });
    },

    /** The named queue of a pool, made when missing (a run asked for a queue of its deployment's pool). */
    queueIn(poolName: string, queueName: string) {
      return driver.tx(function* () {
        const made = nothingMade();
        return { placement: (yield* placeOp(d, poolName, queueName, nowTimestamp(), made))!, made };
      });
    },

    /**
     * The foreman's part for deployments: READY ones not polled since `before` become NOT_READY.
     * Returns them, for the not-ready events.
     */

    markNotReady(before: string): Promise<DeploymentChange[]> {
      return driver.tx(function* () {
        const ids = idsOf(
          yield* rows<{ id: string }>(
            sql`SELECT id FROM deployment WHERE status = 'READY' AND last_polled IS NOT NULL AND last_polled < ${before}
              ORDER BY id LIMIT 1000${d.forUpdate}`,
          ),
        );
        if (!ids.length) return [];
        yield* exec(sql`UPDATE deployment SET status = 'NOT_READY' WHERE id IN (${list(ids)})`);
        return yield* changesOf(ids);
      });
    },

    /** Deployments per flow, 0 for a flow with none (/ui/flows/count-deployments). */
    countByFlow(flowIds: string[]): Promise<Record<string, number>> {
      return driver.read(function* () {
        const out: Record<string, number> = Object.fromEntries(flowIds.map((id) => [id, 0]));
        if (!flowIds.length) return out;
        const rs = yield* rows<{ flow_id: string; count: number }>(
          sql`SELECT flow_id, count(*) AS count FROM deployment WHERE flow_id IN (${list(flowIds)}) GROUP BY flow_id`,
        );
        for (const r of rs) out[r.flow_id] = Number(r.count);
        return out;
      });
    },

    /** Each flow's next Scheduled run, null for a flow with none (/ui/flows/next-runs). */
    nextRunByFlow(flowIds: string[]): Promise<Record<string, Record<string, unknown> | null>> {
      return driver.read(function* () {
        const out: Record<string, Record<string, unknown> | null> = Object.fromEntries(flowIds.map((id) => [id, null]));
        if (!flowIds.length) return out;
        // One statement: per flow, its soonest Scheduled run from the partial index (revision 0008).
        const rs = yield* rows<Row>(
          sql`SELECT id, name, flow_id, state_name, state_type, next_scheduled_start_time FROM flow_run
            WHERE id IN (
              SELECT (SELECT r.id FROM flow_run r WHERE r.flow_id = flow.id AND r.state_type = 'SCHEDULED'
                ORDER BY r.next_scheduled_start_time ASC LIMIT 1)
              FROM flow WHERE flow.id IN (${list(flowIds)}))`,
        );
        for (const r of rs) out[r.flow_id as string] = { ...r };
        return out;
      });
    },
  };
}

export type DeploymentsStore = ReturnType<typeof deploymentsStore>;
