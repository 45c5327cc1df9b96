// The set_state transaction, shared by flow runs and task runs: load the run (locked) and its current
// state, pre-load what the rules need, call the pure orchestrate(), then write the state, the run patch
// and the effects — all in one transaction (driver.tx), with no await between the reads and the writes
// on SQLite.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Op, Row } from "../db/driver.ts";
import { exec, row } from "../db/driver.ts";
import {
  orchestrate,
  type EnclosingFlowRun,
  type FlowRunSnapshot,
  type OrchestrateResult,
  type PolicyName,
  type RunKind,
  type RunPatch,
  type State,
  type StateCreate,
  type TaskRunSnapshot,
} from "../orchestration/index.ts";
import { concurrencyConfig, type ConcurrencyConfig } from "../settings/server-config.ts";
import { findSetting } from "../settings/registry.ts";
import {
  deploymentConcurrencyEffectOp,
  isDeploymentEffect,
  loadDeploymentConcurrencyOp,
} from "./deployment-concurrency.ts";
import { runSelect, stateOf } from "./run-shapes.ts";
import { loadTagConcurrencyOp, releaseTagSlotsOp, takeTagSlotsOp } from "./tag-concurrency.ts";
import { raw, type Fragments } from "./sql.ts";
import { deleteInputsOp } from "./flow-run-inputs.ts";

const TABLES = {
  flow_run: { run: "flow_run", state: "flow_run_state", fk: "flow_run_id" },
  task_run: { run: "task_run", state: "task_run_state", fk: "task_run_id" },
} as const;

const BOOKKEEPING = [
  "state_id",
  "state_type",
  "state_name",
  "state_timestamp",
  "start_time",
  "end_time",
  "total_run_time",
  "expected_start_time",
  "next_scheduled_start_time",
  "run_count",
  "empirical_policy",
];
const qualified = (table: string, columns: string[]) => columns.map((c) => `${table}.${c}`).join(", ");
// One read per transition: the run's snapshot for the rules, its current state (the run's bookkeeping
// columns mirror the state's id, type, name and timestamp; the rest comes from the join) and, for flow
// runs, what the prefect.flow-run.<State> event names.
const SNAPSHOT: Record<RunKind, ReturnType<typeof runSelect>> = {
  flow_run: runSelect(
    "flow_run",
    `${qualified("flow_run", [
      "id",
      ...BOOKKEEPING,
      "deployment_id",
      "parent_task_run_id",
      "infrastructure_pid",
      "name",
      "flow_id",
      "tags",
      "work_queue_name",
      "work_queue_id",
    ])}, (SELECT flow.name FROM flow WHERE flow.id = flow_run.flow_id) AS flow_name`,
  ),
  task_run: runSelect(
    "task_run",
    qualified("task_run", ["id", ...BOOKKEEPING, "flow_run_id", "flow_run_run_count", "tags"]),
  ),
};

export interface SetStateInput {
  proposed: StateCreate;
  force: boolean;
  now: string;
  clientVersion?: string | null;
  policy?: PolicyName | null;
}

/** Concurrency settings for an app built without settings (store tests): every default. */
export const DEFAULT_CONCURRENCY: ConcurrencyConfig = concurrencyConfig((name) => Number(findSetting(name)!.default));

export interface SetStateOutcome {
  result: OrchestrateResult;
  /** The run as read before the transition (SNAPSHOT). */
  snapshot: Row;
  /** The state before the transition (for the flow-run event's `follows` and `initial_state`). */
  initial: State | null;
  /** Subflow states copied onto their parent task runs (emitted like any other task-run change). */
  nested: SetStateOutcome[];
}

export function* loadState(kind: RunKind, stateId: string | null): Op<State | null> {
  if (!stateId) return null;
  const t = TABLES[kind];
  const r = yield* row<State>(
    sql`SELECT id, type, name, timestamp, message, data, state_details FROM ${raw(t.state)} WHERE id = ${stateId}`,
  );
  return r ?? null;
}

function* loadCachedState(proposed: StateCreate, now: string): Op<State | null> {
  const details = proposed.state_details ?? {};
  const key = details.cache_key;
  if (proposed.type !== "RUNNING" || typeof key !== "string" || details.refresh_cache) return null;
  const r = yield* row<State>(sql`
    SELECT s.id, s.type, s.name, s.timestamp, s.message, s.data, s.state_details
    FROM task_run_state_cache c JOIN task_run_state s ON s.id = c.task_run_state_id
    WHERE c.cache_key = ${key} AND (c.cache_expiration IS NULL OR c.cache_expiration > ${now})
    ORDER BY c.created DESC LIMIT 1`);
  return r ?? null;
}

function* loadEnclosingFlowRun(flowRunId: string | null): Op<EnclosingFlowRun | null> {
  if (!flowRunId) return null;
  const r = yield* row<{ id: string; run_count: number; state_id: string | null }>(
    sql`SELECT id, run_count, state_id FROM flow_run WHERE id = ${flowRunId}`,
  );
  if (!r) return null;
  return { id: r.id, run_count: r.run_count, state: yield* loadState("flow_run", r.state_id) };
}

/** Orchestrates one transition of an existing run; null when the run does not exist. */
export function* setRunStateOp(
  kind: RunKind,
  runId: string,
  input: SetStateInput,
  d: Fragments,
  concurrency: ConcurrencyConfig = DEFAULT_CONCURRENCY,
): Op<SetStateOutcome | null> {
  const t = TABLES[kind];
  const run = yield* row<Row>(
    sql`SELECT ${SNAPSHOT[kind].columns} FROM ${SNAPSHOT[kind].from} WHERE ${raw(t.run)}.id = ${runId}${d.forUpdateOf(t.run)}`,
  );
  if (!run) return null;
  const initial = stateOf(run);
  const common = {
    currentState: initial,
    proposed: input.proposed,
    force: input.force,
    now: input.now,
    newStateId: Bun.randomUUIDv7(),
    clientVersion: input.clientVersion ?? null,
    policy: input.policy ?? null,
    random: Math.random,
  };
  const result =
    kind === "flow_run"
      ? orchestrate({
          ...common,
          kind,
          run: run as unknown as FlowRunSnapshot,
          deploymentConcurrency: yield* loadDeploymentConcurrencyOp(
            run as unknown as FlowRunSnapshot,
            initial,
            input.proposed,
            input.force,
            concurrency,
            d,
          ),
        })
      : orchestrate({
          ...common,
          kind,
          run: run as unknown as TaskRunSnapshot,
          flowRun: yield* loadEnclosingFlowRun(run.flow_run_id as string | null),
          cachedState: yield* loadCachedState(input.proposed, input.now),
          tagConcurrency: yield* loadTagConcurrencyOp(
            run as unknown as TaskRunSnapshot,
            initial,
            input.proposed,
            input.force,
            concurrency,
            d,
          ),
        });

  const s = result.stateToWrite;
  if (s) {
    yield* exec(sql`
      INSERT INTO ${raw(t.state)} (id, created, updated, ${raw(t.fk)}, type, timestamp, name, message, state_details, data)
      VALUES (${s.id}, ${input.now}, ${input.now}, ${runId}, ${s.type}, ${s.timestamp}, ${s.name}, ${s.message ?? null}, ${d.json(s.state_details)}, ${d.json(s.data ?? null)})`);
  }
  yield* updateRun(t.run, runId, result.runUpdates, input.now, d);

  const nested: SetStateOutcome[] = [];
  for (const effect of result.effects) {
    if (effect.kind === "insert_task_run_state_cache") {
      yield* exec(sql`
        INSERT INTO task_run_state_cache (id, created, updated, cache_key, cache_expiration, task_run_state_id)
        VALUES (${Bun.randomUUIDv7()}, ${input.now}, ${input.now}, ${effect.cache_key}, ${effect.cache_expiration}, ${effect.task_run_state_id})`);
    } else if (effect.kind === "set_parent_task_run_state") {
      const parent = yield* setRunStateOp(
        "task_run",
        effect.task_run_id,
        { proposed: effect.state as StateCreate, force: true, now: input.now },
        d,
      );
      if (parent) nested.push(parent);
    } else if (effect.kind === "delete_flow_run_inputs") {
      yield* deleteInputsOp(runId, effect.keys);
    } else if (isDeploymentEffect(effect)) {
      yield* deploymentConcurrencyEffectOp(effect, runId, concurrency, d);
    } else if (effect.kind === "take_task_concurrency_slots") {
      yield* takeTagSlotsOp(run as unknown as TaskRunSnapshot, effect.lease_id, concurrency, d);
    } else if (effect.kind === "release_task_concurrency_slots") {
      yield* releaseTagSlotsOp(run as unknown as TaskRunSnapshot, concurrency, d);
    }
    // Background tasks are queued after the commit (orchestration/transitions.ts); task runs' tag slots
    // are the SDK's own leases (client-side orchestration), so their release needs nothing here.
  }
  return { result, snapshot: run, initial, nested };
}

const PATCHABLE = new Set([...BOOKKEEPING, "flow_run_run_count"]);

export function* updateRun(table: string, runId: string, patch: RunPatch, now: string, d: Fragments): Op<void> {
  const sets: SQL[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!PATCHABLE.has(key)) continue;
    sets.push(key === "empirical_policy" ? sql`${raw(key)} = ${d.json(value)}` : sql`${raw(key)} = ${value ?? null}`);
  }
  if (!sets.length) return;
  sets.push(sql`updated = ${now}`);
  yield* exec(sql`UPDATE ${raw(table)} SET ${sql.join(sets, sql`, `)} WHERE id = ${runId}`);
}
