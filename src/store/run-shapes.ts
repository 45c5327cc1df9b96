// Rows → the JSON Prefect returns for flow runs, task runs and states. Run queries select the run's
// columns plus its current state's message/details/data (STATE_JOIN_COLUMNS), so a run and its state come
// back in one row.
import { sql } from "../db/sql-tag.ts";
import type { Row } from "../db/driver.ts";
import { rowCodec } from "../db/rows.ts";
import * as tables from "../db/schema/pg.ts";
import { estimatedRunTime, estimatedStartTimeDelta, type State, type StateType } from "../orchestration/index.ts";
import { raw } from "./sql.ts";

/** The current state's columns a run row does not carry itself, from the state table aliased `st`. */
export const STATE_JOIN_COLUMNS =
  "st.message AS state_message, st.state_details AS state_state_details, st.data AS state_data";

/**
 * SELECT list and join for a run table aliased as its own name, with its state table aliased `st`;
 * `columns` (default: all of the run's) replaces the run's own part of the list.
 */
/**
 * A flow run's work pool, through its queue (Prefect answers work_pool_id/name from that relationship and
 * names the pool in the run's events): two primary-key lookups per row.
 */
const POOL_COLUMNS = "run_wp.id AS work_pool_id, run_wp.name AS work_pool_name, run_wp.type AS work_pool_type";
const POOL_JOIN =
  "LEFT JOIN work_queue run_wq ON run_wq.id = flow_run.work_queue_id LEFT JOIN work_pool run_wp ON run_wp.id = run_wq.work_pool_id";

export function runSelect(kind: "flow_run" | "task_run", columns = `${kind}.*`) {
  const state = kind === "flow_run" ? "flow_run_state" : "task_run_state";
  const pool = kind === "flow_run";
  return {
    columns: raw(`${columns}, ${STATE_JOIN_COLUMNS}${pool ? `, ${POOL_COLUMNS}` : ""}`),
    from: sql`${raw(kind)} LEFT JOIN ${raw(state)} st ON st.id = ${raw(kind)}.state_id${raw(pool ? ` ${POOL_JOIN}` : "")}`,
    /** The run table's columns and the state's under their state_* names. */
    codec: RUN_CODECS[kind],
  };
}

const RUN_CODECS = {
  flow_run: rowCodec(tables.flowRun, [tables.flowRunState, "state_"]),
  task_run: rowCodec(tables.taskRun, [tables.taskRunState, "state_"]),
};

/** The run's current state, from its state_* bookkeeping columns and those runSelect() joins. */
export function stateOf(r: Row): State | null {
  if (!r.state_id) return null;
  return stateJson({
    id: r.state_id,
    type: r.state_type,
    name: r.state_name,
    timestamp: r.state_timestamp,
    message: r.state_message,
    data: r.state_data,
    state_details: r.state_state_details ?? {},
  });
}

/**
 * The columns both run tables share, as the driver decodes them (db/rows.ts): JSON parsed, timestamps
 * normalised, counts as numbers. A run query selects them with the current state's joined columns.
 */
interface RunColumns {
  id: string;
  created: string;
  updated: string;
  name: string;
  state_id: string | null;
  state_type: StateType | null;
  state_name: string | null;
  state_timestamp: string | null;
  run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  tags: string[];
  labels: Record<string, string | number | boolean>;
  empirical_policy: Record<string, unknown>;
}

export interface FlowRunRow extends RunColumns {
  flow_id: string;
  deployment_id: string | null;
  deployment_version: string | null;
  work_queue_id: string | null;
  work_queue_name: string | null;
  flow_version: string | null;
  parameters: Record<string, unknown>;
  idempotency_key: string | null;
  context: Record<string, unknown>;
  parent_task_run_id: string | null;
  auto_scheduled: boolean | null;
  infrastructure_document_id: string | null;
  infrastructure_pid: string | null;
  created_by: Record<string, unknown> | null;
  job_variables: Record<string, unknown> | null;
}

export interface TaskRunRow extends RunColumns {
  flow_run_id: string | null;
  task_key: string;
  dynamic_key: string;
  cache_key: string | null;
  cache_expiration: string | null;
  task_version: string | null;
  task_inputs: Record<string, unknown[]>;
  flow_run_run_count: number;
}

/** The bookkeeping fields both run kinds share, with the derived estimates. */
function runBookkeeping(r: RunColumns, now: string) {
  const run = r;
  return {
    expected_start_time: r.expected_start_time ?? null,
    next_scheduled_start_time: r.next_scheduled_start_time ?? null,
    start_time: r.start_time ?? null,
    end_time: r.end_time ?? null,
    total_run_time: r.total_run_time,
    estimated_run_time: estimatedRunTime(run, now),
    estimated_start_time_delta: estimatedStartTimeDelta(run, now),
  };
}

export function flowRunJson(row: Row, now: string) {
  const r = row as unknown as FlowRunRow;
  return {
    id: r.id,
    created: r.created,
    updated: r.updated,
    name: r.name,
    flow_id: r.flow_id,
    state_id: r.state_id ?? null,
    deployment_id: r.deployment_id ?? null,
    deployment_version: r.deployment_version ?? null,
    work_queue_id: r.work_queue_id ?? null,
    work_queue_name: r.work_queue_name ?? null,
    flow_version: r.flow_version ?? null,
    parameters: r.parameters,
    idempotency_key: r.idempotency_key ?? null,
    context: r.context,
    empirical_policy: {
      max_retries: 0,
      retry_delay_seconds: 0,
      retries: null,
      retry_delay: null,
      pause_keys: [],
      resuming: false,
      retry_type: null,
      ...r.empirical_policy,
    },
    tags: r.tags,
    labels: r.labels,
    parent_task_run_id: r.parent_task_run_id ?? null,
    state_type: r.state_type ?? null,
    state_name: r.state_name ?? null,
    run_count: r.run_count,
    ...runBookkeeping(r, now),
    auto_scheduled: r.auto_scheduled ?? false,
    infrastructure_document_id: r.infrastructure_document_id ?? null,
    infrastructure_pid: r.infrastructure_pid ?? null,
    created_by: r.created_by ?? null,
    work_pool_id: (row.work_pool_id as string | null) ?? null,
    work_pool_name: (row.work_pool_name as string | null) ?? null,
    state: stateOf(row),
    job_variables: r.job_variables ?? {},
  };
}

export function taskRunJson(row: Row, now: string) {
  const r = row as unknown as TaskRunRow;
  return {
    id: r.id,
    created: r.created,
    updated: r.updated,
    name: r.name,
    flow_run_id: r.flow_run_id ?? null,
    task_key: r.task_key,
    dynamic_key: r.dynamic_key,
    cache_key: r.cache_key ?? null,
    cache_expiration: r.cache_expiration ?? null,
    task_version: r.task_version ?? null,
    empirical_policy: {
      max_retries: 0,
      retry_delay_seconds: 0,
      retries: 0,
      retry_delay: 0,
      retry_jitter_factor: null,
      ...r.empirical_policy,
    },
    tags: r.tags,
    labels: r.labels,
    state_id: r.state_id ?? null,
    task_inputs: r.task_inputs,
    state_type: r.state_type ?? null,
    state_name: r.state_name ?? null,
    run_count: r.run_count,
    flow_run_run_count: r.flow_run_run_count,
    ...runBookkeeping(r, now),
    state: stateOf(row),
  };
}

export type FlowRunJson = ReturnType<typeof flowRunJson>;
export type TaskRunJson = ReturnType<typeof taskRunJson>;

/** A state row as Prefect's State JSON. */
export const stateJson = (r: Row): State => ({
  id: r.id as string,
  type: r.type as State["type"],
  name: r.name as string,
  timestamp: r.timestamp as string,
  message: (r.message as string | null) ?? null,
  data: r.data ?? null,
  state_details: r.state_details as State["state_details"],
});
