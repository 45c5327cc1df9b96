// Rows → the JSON Prefect returns for work pools, work queues and workers (WorkPoolResponse,
// WorkQueueResponse, WorkerResponse). active_slots is set only where a limit is, as Prefect does.
import type { Row } from "../db/driver.ts";

/** The run states that hold a pool's or a queue's concurrency slot. */
export const SLOT_STATES = ["PENDING", "RUNNING", "CANCELLING"] as const;
/**
 * The same as SQL literals: SQLite plans a statement once for every value a parameter may take, so
 * only literals let it use an index on (work_queue_id, state_type) or one WHERE state_type IN (…).
 */
export const SLOT_STATES_SQL = SLOT_STATES.map((s) => `'${s}'`).join(", ");

/** Prefect's type for the pool of legacy agents: no status rules apply to it. */
export const AGENT_POOL_TYPE = "prefect-agent";
/** Prefect's name for that pool: queues made without a pool (legacy agents' queues) live in it. */
export const DEFAULT_AGENT_WORK_POOL_NAME = "default-agent-pool";

const STORAGE_DEFAULTS = {
  bundle_upload_step: null,
  bundle_execution_step: null,
  default_result_storage_block_id: null,
};

export function workPoolJson(r: Row, activeSlots: number | null = null) {
  const limit = (r.concurrency_limit as number | null) ?? null;
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    name: r.name as string,
    description: (r.description as string | null) ?? null,
    type: r.type as string,
    base_job_template: (r.base_job_template as Record<string, unknown>) ?? {},
    is_paused: Boolean(r.is_paused),
    concurrency_limit: limit,
    status: (r.status as string | null) ?? null,
    default_queue_id: (r.default_queue_id as string | null) ?? null,
    storage_configuration: { ...STORAGE_DEFAULTS, ...((r.storage_configuration as Record<string, unknown>) ?? {}) },
    active_slots: limit === null ? null : (activeSlots ?? 0),
  };
}

export function workQueueJson(r: Row, activeSlots: number | null = null) {
  const limit = (r.concurrency_limit as number | null) ?? null;
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    name: r.name as string,
    description: (r.description as string | null) ?? "",
    is_paused: Boolean(r.is_paused),
    concurrency_limit: limit,
    priority: Number(r.priority),
    work_pool_id: r.work_pool_id as string,
    filter: (r.filter as Record<string, unknown> | null) ?? null,
    last_polled: (r.last_polled as string | null) ?? null,
    work_pool_name: (r.work_pool_name as string | null) ?? null,
    status: (r.status as string | null) ?? null,
    active_slots: limit === null ? null : (activeSlots ?? 0),
  };
}

export function workerJson(r: Row) {
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    name: r.name as string,
    work_pool_id: r.work_pool_id as string,
    last_heartbeat_time: (r.last_heartbeat_time as string | null) ?? null,
    heartbeat_interval_seconds: (r.heartbeat_interval_seconds as number | null) ?? null,
    status: (r.status as string) ?? "OFFLINE",
  };
}

export type WorkPoolJson = ReturnType<typeof workPoolJson>;
export type WorkQueueJson = ReturnType<typeof workQueueJson>;
export type WorkerJson = ReturnType<typeof workerJson>;

/** The pool a queue event names as related (Prefect's work-pool related resource). */
export interface PoolRef {
  id: string;
  name: string;
  type: string;
}

/** Pools and queues made on the way (by placing a deployment or a legacy queue), for their events. */
export interface Made {
  pools: WorkPoolJson[];
  queues: Array<{ queue: WorkQueueJson; pool: PoolRef }>;
}
