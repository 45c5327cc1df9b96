// The state model as Prefect serialises it (snake_case, timestamps as normalised strings; see time.ts).

export const STATE_TYPES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
  "PAUSED",
  "CANCELLING",
] as const;

export type StateType = (typeof STATE_TYPES)[number];

export const TERMINAL_STATES: ReadonlySet<StateType> = new Set<StateType>([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
]);

export function isStateType(value: unknown): value is StateType {
  return typeof value === "string" && (STATE_TYPES as readonly string[]).includes(value);
}

export function isTerminal(type: StateType | null | undefined): boolean {
  return type != null && TERMINAL_STATES.has(type);
}

/** "CANCELLING" -> "Cancelling": the name a state gets when the proposal has none. */
export function defaultStateName(type: StateType): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

/** Every field of Prefect's StateDetails; a proposal may carry any subset (missing ones default). */
export interface StateDetails {
  flow_run_id: string | null;
  task_run_id: string | null;
  child_flow_run_id: string | null;
  scheduled_time: string | null;
  cache_key: string | null;
  cache_expiration: string | null;
  deferred: boolean | null;
  untrackable_result: boolean;
  pause_timeout: string | null;
  pause_reschedule: boolean;
  pause_key: string | null;
  run_input_keyset: Record<string, string> | null;
  refresh_cache: boolean | null;
  retriable: boolean | null;
  transition_id: string | null;
  task_parameters_id: string | null;
  traceparent: string | null;
  deployment_concurrency_lease_id: string | null;
  /** Newer clients may send fields we do not know yet; they are kept as given. */
  [extra: string]: unknown;
}

export const DATETIME_DETAIL_FIELDS = ["scheduled_time", "cache_expiration", "pause_timeout"] as const;

export function defaultStateDetails(): StateDetails {
  return {
    flow_run_id: null,
    task_run_id: null,
    child_flow_run_id: null,
    scheduled_time: null,
    cache_key: null,
    cache_expiration: null,
    deferred: false,
    untrackable_result: false,
    pause_timeout: null,
    pause_reschedule: false,
    pause_key: null,
    run_input_keyset: null,
    refresh_cache: null,
    retriable: null,
    transition_id: null,
    task_parameters_id: null,
    traceparent: null,
    deployment_concurrency_lease_id: null,
  };
}

/** A state as stored and returned by the API. */
export interface State {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  /** null or the result-record metadata dict. */
  data: unknown;
  state_details: StateDetails;
}

/** The body of a set_state request: no id and no timestamp, the server assigns both. */
export interface StateCreate {
  type: StateType;
  name?: string | null;
  message?: string | null;
  data?: unknown;
  state_details?: Partial<StateDetails> | null;
}

/** A state under orchestration: complete except for the id and timestamp given when it is written. */
export interface StateDraft {
  type: StateType;
  name: string;
  message: string | null;
  data: unknown;
  state_details: StateDetails;
}

/** Builds a draft the way Prefect's server-side state constructors do (Scheduled(), Cancelled(), …). */
export function makeDraft(
  type: StateType,
  init: {
    name?: string | null;
    message?: string | null;
    data?: unknown;
    state_details?: Partial<StateDetails> | null;
  } = {},
): StateDraft {
  return {
    type,
    name: init.name ?? defaultStateName(type),
    message: init.message ?? null,
    data: init.data ?? null,
    state_details: { ...defaultStateDetails(), ...(init.state_details ?? {}) },
  };
}

/** A copy of a stored state without its identity, e.g. a cached COMPLETED state reused by another run. */
export function draftFromState(state: State): StateDraft {
  return {
    type: state.type,
    name: state.name,
    message: state.message,
    data: structuredClone(state.data ?? null),
    state_details: { ...defaultStateDetails(), ...structuredClone(state.state_details ?? {}) },
  };
}

/** Prefect's `_has_persisted_result`: result metadata is a dict that is not the legacy "unpersisted" marker. */
export function isPersistedResultData(data: unknown): boolean {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return false;
  return (data as Record<string, unknown>).type !== "unpersisted";
}

/**
 * `state.data and _has_persisted_result(state.data)`: the state's result lives in storage and must not be
 * thrown away (an empty dict is falsy in Python, so it does not count).
 */
export function hasPersistedResult(state: { data: unknown } | null | undefined): boolean {
  const data = state?.data;
  return isPersistedResultData(data) && Object.keys(data as object).length > 0;
}
