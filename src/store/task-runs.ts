// Task runs over REST: the parent task runs of subflows and background (.delay()) tasks are created and
// transitioned here; plain tasks arrive as events (task-run-events.ts, written by services/task-run-recorder.ts). Reads serve both.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { integrityConflict } from "../core/errors.ts";
import { nowTimestamp } from "../orchestration/index.ts";
import { orderBy, taskRunWhere } from "./filters.ts";
import type { FilterBody, Page } from "./page.ts";
import { runSelect, stateJson, taskRunJson, type TaskRunJson } from "./run-shapes.ts";
import type { ConcurrencyConfig } from "../settings/server-config.ts";
import { DEFAULT_CONCURRENCY, setRunStateOp, type SetStateInput, type SetStateOutcome } from "./run-states.ts";
import type { TaskRunCreate } from "../schemas/runs.ts";
import { fragmentsFor, list } from "./sql.ts";
import { TABLE_CODECS } from "../db/rows.ts";

export type { TaskRunCreate };

const { columns: RUN_COLUMNS, from: RUN_FROM, codec: RUN_CODEC } = runSelect("task_run");

export function taskRunsStore(driver: Driver, concurrency: ConcurrencyConfig = DEFAULT_CONCURRENCY) {
  const d = fragmentsFor(driver.dialect);

  function* readRun(id: string, now: string): Op<TaskRunJson | null> {
    const r = yield* row<Row>(sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE task_run.id = ${id}`, RUN_CODEC);
    return r ? taskRunJson(r, now) : null;
  }

  return {
    /**
     * Upsert on (flow_run_id, task_key, dynamic_key): an existing run is returned with created=false (200).
     * `enqueue` when the first state makes it a background run for task workers (EnqueueScheduledTasks).
     */
    create(input: TaskRunCreate): Promise<{ created: boolean; run: TaskRunJson; enqueue?: { retry: boolean } }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        if (input.flow_run_id) {
          const existing = yield* row<{ id: string }>(
            sql`SELECT id FROM task_run WHERE flow_run_id = ${input.flow_run_id} AND task_key = ${input.task_key} AND dynamic_key = ${input.dynamic_key}`,
          );
          if (existing) return { created: false, run: (yield* readRun(existing.id, now))! };
          const flowRun = yield* row<Row>(sql`SELECT id FROM flow_run WHERE id = ${input.flow_run_id}`);
          if (!flowRun) throw integrityConflict();
        }
        const id = input.id ?? Bun.randomUUIDv7();
        const inserted = yield* exec(sql`
          INSERT INTO task_run (id, created, updated, name, flow_run_id, task_key, dynamic_key, cache_key, cache_expiration,
            task_version, empirical_policy, tags, labels, task_inputs)
          VALUES (${id}, ${now}, ${now}, ${input.name || `${input.task_key}-${input.dynamic_key.slice(0, 3)}`}, ${input.flow_run_id ?? null},
            ${input.task_key}, ${input.dynamic_key}, ${input.cache_key ?? null}, ${input.cache_expiration ?? null}, ${input.task_version ?? null},
            ${d.json(input.empirical_policy ?? {})}, ${d.json(input.tags ?? [])}, ${d.json(input.labels ?? {})}, ${d.json(input.task_inputs ?? {})})
          ON CONFLICT (id) DO NOTHING`);
        if (!inserted) return { created: false, run: (yield* readRun(id, now))! };
        const first = input.state
          ? yield* setRunStateOp("task_run", id, { proposed: input.state, force: true, now }, d)
          : null;
        return { created: true, run: (yield* readRun(id, now))!, enqueue: enqueueOf(first) };
      });
    },

    get(id: string): Promise<TaskRunJson | null> {
      return driver.read(() => readRun(id, nowTimestamp()));
    },

    filter(body: FilterBody, page: Page): Promise<TaskRunJson[]> {
      return driver.read(function* () {
        const now = nowTimestamp();
        const rs = yield* rows<Row>(
          sql`
          SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE ${taskRunWhere(body, d)}
          ORDER BY ${orderBy("task_run", page.sort, "ID_DESC")} LIMIT ${page.limit} OFFSET ${page.offset}`,
          RUN_CODEC,
        );
        return rs.map((r) => taskRunJson(r, now));
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        return (yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM task_run WHERE ${taskRunWhere(body, d)}`,
        ))!.count;
      });
    },

    countByState(body: FilterBody): Promise<Array<{ state_type: string | null; count: number }>> {
      return driver.read(function* () {
        return yield* rows<never>(sql`
          SELECT task_run.state_type, count(*) AS count FROM task_run WHERE ${taskRunWhere(body, d)}
          GROUP BY ${d.groupKey(sql`task_run.state_type`)} ORDER BY count DESC`);
      });
    },

    update(id: string, patch: { name?: string }): Promise<boolean> {
      return driver.tx(function* () {
        if (patch.name === undefined)
          return (yield* row<Row>(sql`SELECT id FROM task_run WHERE id = ${id}`)) !== undefined;
        return (
          (yield* exec(sql`UPDATE task_run SET name = ${patch.name}, updated = ${nowTimestamp()} WHERE id = ${id}`)) > 0
        );
      });
    },

    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM task_run WHERE id = ${id}`)) > 0;
      });
    },

    setState(id: string, input: SetStateInput): Promise<SetStateOutcome | null> {
      return driver.tx(() => setRunStateOp("task_run", id, input, d, concurrency));
    },

    /**
     * Background runs of these task keys waiting for a task worker: Scheduled with a deferred state,
     * soonest first. `ids` narrows them to those runs (which of them are still waiting).
     */
    waitingForWorkers(keys: string[], limit: number, ids?: string[]): Promise<TaskRunJson[]> {
      if (!keys.length || ids?.length === 0) return Promise.resolve([]);
      const deferred =
        driver.dialect === "pg"
          ? sql`(st.state_details->>'deferred') = 'true'`
          : sql`json_extract(st.state_details, '$.deferred') = 1`;
      return driver.read(function* () {
        const now = nowTimestamp();
        const only = ids ? sql`AND task_run.id IN (${list(ids)})` : sql``;
        const rs = yield* rows<Row>(
          sql`
          SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
          WHERE task_run.state_type = 'SCHEDULED' AND task_run.task_key IN (${list(keys)}) AND ${deferred} ${only}
          ORDER BY task_run.expected_start_time, task_run.created, task_run.id LIMIT ${limit}`,
          RUN_CODEC,
        );
        return rs.map((r) => taskRunJson(r, now));
      });
    },

    states(taskRunId: string) {
      return driver.read(function* () {
        const rs = yield* rows<Row>(
          sql`SELECT * FROM task_run_state WHERE task_run_id = ${taskRunId} ORDER BY timestamp ASC`,
          TABLE_CODECS.task_run_state,
        );
        return rs.map(stateJson);
      });
    },

    state(stateId: string) {
      return driver.read(function* () {
        const r = yield* row<Row>(sql`SELECT * FROM task_run_state WHERE id = ${stateId}`, TABLE_CODECS.task_run_state);
        return r ? stateJson(r) : null;
      });
    },
  };
}

export type TaskRunsStore = ReturnType<typeof taskRunsStore>;

function enqueueOf(outcome: SetStateOutcome | null): { retry: boolean } | undefined {
  const effect = outcome?.result.effects.find((e) => e.kind === "enqueue_background_task");
  return effect?.kind === "enqueue_background_task" ? { retry: effect.retry } : undefined;
}
