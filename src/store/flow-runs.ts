// Flow runs: create (idempotent per flow and key), read, filter, update, delete, set_state, history.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { AppError, integrityConflict } from "../core/errors.ts";
import { nowTimestamp, type StateCreate } from "../orchestration/index.ts";
import { flowRunWhere, orderBy } from "./filters.ts";
import type { FilterBody, Page } from "./page.ts";
import { flowRunJson, runSelect, stateJson, type FlowRunJson } from "./run-shapes.ts";
import type { ConcurrencyConfig } from "../settings/server-config.ts";
import { DEFAULT_CONCURRENCY, setRunStateOp, type SetStateInput, type SetStateOutcome } from "./run-states.ts";
import type { FlowRunEventInput } from "../events/run-events.ts";
import { runSlug } from "./slugs.ts";
import { fragmentsFor, list, raw, type Fragments } from "./sql.ts";

import type { FlowRunCreate, FlowRunUpdate } from "../schemas/runs.ts";
import { TABLE_CODECS } from "../db/rows.ts";
import { findPlacementOp } from "./work-queue-placement.ts";
import { createInputOp, type FlowRunInputCreate } from "./flow-run-inputs.ts";

export type { FlowRunCreate, FlowRunUpdate };

/** The run's fields its prefect.flow-run.<State> event names. */
export type EventRun = FlowRunEventInput["run"];

/** What the API needs after a transition: the result, and the run as it now is (for the event). */
export interface TransitionOutcome extends SetStateOutcome {
  run: EventRun;
  flowName: string | null;
}

const { columns: RUN_COLUMNS, from: RUN_FROM, codec: RUN_CODEC } = runSelect("flow_run");

// Runs in any of several states, sorted: SQLite reads every run in those states and sorts them (0.75 s
// for two common states at a million runs) rather than walk the sort's index, statistics or not. Each
// state's first offset+limit runs in sort order come from the (state_type, sort key, id) index, and only
// their union is sorted; the outer ORDER BY is the same, so the page is the same. Deep pages keep the
// plain query.
const SPLIT_MAX_ROWS = 2000;

function pageWhere(body: FilterBody, page: Page, order: SQL, d: Fragments): SQL {
  const types = (body as { flow_runs?: { state?: { type?: { any_?: unknown } } } }).flow_runs?.state?.type?.any_;
  if (d.dialect !== "sqlite" || !Array.isArray(types) || types.length < 2 || page.offset + page.limit > SPLIT_MAX_ROWS)
    return flowRunWhere(body, d);
  const flowRuns = body.flow_runs as Record<string, Record<string, unknown>>;
  const one = (type: unknown) => {
    const only = { ...body, flow_runs: { ...flowRuns, state: { ...flowRuns.state, type: { any_: [type] } } } };
    return sql`SELECT id FROM (SELECT flow_run.id FROM flow_run WHERE ${flowRunWhere(only, d)} ORDER BY ${order} LIMIT ${page.offset + page.limit})`;
  };
  return sql`flow_run.id IN (${sql.join([...new Set(types)].map(one), sql` UNION ALL `)})`;
}

export function flowRunsStore(driver: Driver, concurrency: ConcurrencyConfig = DEFAULT_CONCURRENCY) {
  const d = fragmentsFor(driver.dialect);

  function* readRun(id: string, now: string): Op<FlowRunJson | null> {
    const r = yield* row<Row>(sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE flow_run.id = ${id}`, RUN_CODEC);
    return r ? flowRunJson(r, now) : null;
  }

  function* transition(id: string, input: SetStateInput): Op<TransitionOutcome | null> {
    const outcome = yield* setRunStateOp("flow_run", id, input, d, concurrency);
    if (!outcome) return null;
    // The event's fields come from the snapshot; of them only run_count can change in a transition.
    const s = outcome.snapshot;
    const run: EventRun = {
      id: s.id as string,
      name: s.name as string,
      run_count: (outcome.result.runUpdates.run_count as number | undefined) ?? (s.run_count as number),
      flow_id: s.flow_id as string,
      tags: s.tags as string[],
      parent_task_run_id: s.parent_task_run_id as string | null,
      deployment_id: s.deployment_id as string | null,
      work_queue_name: s.work_queue_name as string | null,
      work_queue_id: s.work_queue_id as string | null,
      work_pool_id: s.work_pool_id as string | null,
      work_pool_name: s.work_pool_name as string | null,
      work_pool_type: s.work_pool_type as string | null,
    };
    return { ...outcome, run, flowName: (s.flow_name as string | null) ?? null };
  }

  return {
    /** Creates the run and writes its first state (forced, as Prefect does). `created` is false for an idempotent repeat. */
    create(
      input: FlowRunCreate,
    ): Promise<{ created: boolean; run: FlowRunJson; transition: TransitionOutcome | null }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const flow = yield* row<{ id: string; labels: Record<string, unknown> }>(
          sql`SELECT id, labels FROM flow WHERE id = ${input.flow_id}`,
        );
        if (!flow) throw integrityConflict();
        if (input.from_deployment) {
          const deployment = yield* row(
            sql`SELECT id FROM deployment WHERE id = ${input.deployment_id ?? null}${d.dialect === "pg" ? sql` FOR SHARE` : sql``}`,
          );
          if (!deployment) throw new AppError("not_found", "Deployment not found");
        }
        // Prefect's create_flow_run places a run naming a pool in that pool's queue (or its default).
        const placed =
          !input.from_deployment && input.work_pool_name
            ? yield* findPlacementOp(d, input.work_pool_name, input.work_queue_name)
            : { work_queue_id: input.work_queue_id ?? null, work_queue_name: input.work_queue_name ?? null };
        const id = Bun.randomUUIDv7();
        const labels = { ...flow.labels, ...(input.labels ?? {}), "prefect.flow.id": input.flow_id };
        const inserted = yield* row<{ id: string }>(sql`
          INSERT INTO flow_run (id, created, updated, name, flow_id, flow_version, parameters, context, parent_task_run_id,
            infrastructure_document_id, empirical_policy, tags, labels, idempotency_key, work_queue_name, job_variables,
            deployment_id, created_by, deployment_version, work_queue_id)
          VALUES (${id}, ${now}, ${now}, ${input.name || runSlug()}, ${input.flow_id}, ${input.flow_version ?? null},
            ${d.json(input.parameters ?? {})}, ${d.json(input.context ?? {})}, ${input.parent_task_run_id ?? null},
            ${input.infrastructure_document_id ?? null}, ${d.json(input.empirical_policy ?? {})}, ${d.json(input.tags ?? [])},
            ${d.json(labels)}, ${input.idempotency_key ?? null}, ${placed.work_queue_name}, ${d.json(input.job_variables ?? {})},
            ${input.deployment_id ?? null}, ${d.json(input.created_by ?? null)}, ${input.deployment_version ?? null},
            ${placed.work_queue_id})
          ON CONFLICT (flow_id, idempotency_key) DO NOTHING
          RETURNING id`);
        if (!inserted) {
          const existing = (yield* row<Row>(
            sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE flow_run.flow_id = ${input.flow_id} AND flow_run.idempotency_key = ${input.idempotency_key ?? null}`,
            RUN_CODEC,
          ))!;
          return { created: false, run: flowRunJson(existing, now), transition: null };
        }
        const state: StateCreate = input.state ?? { type: "PENDING" };
        const t = yield* transition(id, { proposed: state, force: true, now });
        return { created: true, run: (yield* readRun(id, now))!, transition: t };
      });
    },

    get(id: string): Promise<FlowRunJson | null> {
      return driver.read(() => readRun(id, nowTimestamp()));
    },

    filter(body: FilterBody, page: Page): Promise<FlowRunJson[]> {
      return driver.read(function* () {
        const now = nowTimestamp();
        const order = orderBy("flow_run", page.sort, "ID_DESC");
        const rs = yield* rows<Row>(
          sql`
          SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE ${pageWhere(body, page, order, d)}
          ORDER BY ${order} LIMIT ${page.limit} OFFSET ${page.offset}`,
          RUN_CODEC,
        );
        return rs.map((r) => flowRunJson(r, now));
      });
    },

    /**
     * The runner's and worker's poll: Scheduled runs of these (existing) deployments due by `before`,
     * soonest first. Reads the partial index on (deployment_id, next start) of Scheduled runs (0007).
     */
    scheduledOf(deploymentIds: string[], before: string | null, limit: number): Promise<FlowRunJson[]> {
      if (!deploymentIds.length || limit <= 0) return Promise.resolve([]);
      return driver.read(function* () {
        const now = nowTimestamp();
        const rs = yield* rows<Row>(
          sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
            WHERE flow_run.deployment_id IN (SELECT id FROM deployment WHERE id IN (${list(deploymentIds)}))
              AND flow_run.state_type = 'SCHEDULED'
              ${before ? sql`AND flow_run.next_scheduled_start_time <= ${before}` : sql``}
            ORDER BY flow_run.next_scheduled_start_time ASC, flow_run.id ASC LIMIT ${limit}`,
          RUN_CODEC,
        );
        return rs.map((r) => flowRunJson(r, now));
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        return (yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM flow_run WHERE ${flowRunWhere(body, d)}`,
        ))!.count;
      });
    },

    /** Runs per state type and name, for the dashboard's counts. */
    countByState(
      body: FilterBody,
    ): Promise<Array<{ state_type: string | null; state_name: string | null; count: number }>> {
      return driver.read(function* () {
        return yield* rows<never>(sql`
          SELECT flow_run.state_type, flow_run.state_name, count(*) AS count FROM flow_run WHERE ${flowRunWhere(body, d)}
          GROUP BY ${d.groupKey(sql`flow_run.state_type`)}, ${d.groupKey(sql`flow_run.state_name`)} ORDER BY count DESC`);
      });
    },

    update(id: string, patch: FlowRunUpdate): Promise<boolean> {
      return driver.tx(function* () {
        const sets = [sql`updated = ${nowTimestamp()}`];
        if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
        if (patch.flow_version !== undefined) sets.push(sql`flow_version = ${patch.flow_version}`);
        if (patch.infrastructure_pid !== undefined) sets.push(sql`infrastructure_pid = ${patch.infrastructure_pid}`);
        for (const key of ["parameters", "empirical_policy", "tags", "job_variables"] as const) {
          if (patch[key] !== undefined) sets.push(sql`${raw(key)} = ${d.json(patch[key])}`);
        }
        return (yield* exec(sql`UPDATE flow_run SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`)) > 0;
      });
    },

    /** Merges labels into the run's labels (PATCH /flow_runs/{id}/labels). */
    updateLabels(id: string, labels: Record<string, unknown>): Promise<boolean> {
      return driver.tx(function* () {
        const r = yield* row<{ labels: Record<string, unknown> }>(
          sql`SELECT labels FROM flow_run WHERE id = ${id}${d.forUpdate}`,
        );
        if (!r) return false;
        yield* exec(
          sql`UPDATE flow_run SET labels = ${d.json({ ...r.labels, ...labels })}, updated = ${nowTimestamp()} WHERE id = ${id}`,
        );
        return true;
      });
    },

    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        yield* exec(sql`DELETE FROM log WHERE flow_run_id = ${id}`);
        return (yield* exec(sql`DELETE FROM flow_run WHERE id = ${id}`)) > 0;
      });
    },

    bulkDelete(body: FilterBody, limit: number): Promise<string[]> {
      return driver.tx(function* () {
        const ids = (yield* rows<{ id: string }>(
          sql`SELECT flow_run.id FROM flow_run WHERE ${flowRunWhere(body, d)} LIMIT ${limit}`,
        )).map((r) => r.id);
        if (!ids.length) return ids;
        yield* exec(sql`DELETE FROM log WHERE flow_run_id IN (${list(ids)})`);
        yield* exec(sql`DELETE FROM flow_run WHERE id IN (${list(ids)})`);
        return ids;
      });
    },

    setState(id: string, input: SetStateInput): Promise<TransitionOutcome | null> {
      return driver.tx(() => transition(id, input));
    },

    /**
     * A resume's transition and, when it is accepted, the run input it answered with: one transaction.
     * "moved" when the run is no longer in the paused state `pausedStateId` the caller checked (another
     * resume got there first), so two resumes never both start the run.
     */
    resume(
      id: string,
      pausedStateId: string,
      input: SetStateInput,
      answer: FlowRunInputCreate | null,
    ): Promise<TransitionOutcome | "moved" | null> {
      return driver.tx(function* () {
        const current = yield* row<{ state_id: string | null }>(
          sql`SELECT state_id FROM flow_run WHERE id = ${id}${d.forUpdate}`,
        );
        if (!current) return null;
        if (current.state_id !== pausedStateId) return "moved" as const;
        const outcome = yield* transition(id, input);
        if (outcome && answer && outcome.result.status === "ACCEPT") yield* createInputOp(id, answer, input.now);
        return outcome;
      });
    },

    /** States of a run, oldest first (GET /flow_run_states/?flow_run_id=). */
    states(flowRunId: string) {
      return driver.read(function* () {
        const rs = yield* rows<Row>(
          sql`SELECT * FROM flow_run_state WHERE flow_run_id = ${flowRunId} ORDER BY timestamp ASC`,
          TABLE_CODECS.flow_run_state,
        );
        return rs.map(stateJson);
      });
    },

    state(stateId: string) {
      return driver.read(function* () {
        const r = yield* row<Row>(sql`SELECT * FROM flow_run_state WHERE id = ${stateId}`, TABLE_CODECS.flow_run_state);
        return r ? stateJson(r) : null;
      });
    },
  };
}

export type FlowRunsStore = ReturnType<typeof flowRunsStore>;
