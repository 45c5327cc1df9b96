// Shapes shared by the rules, the rule runner and orchestrate(): what a rule sees and what it may decide.
import type { State, StateDraft, StateType } from "./states.ts";

export type RunKind = "flow_run" | "task_run";

export type SetStateStatus = "ACCEPT" | "REJECT" | "WAIT" | "ABORT";

export type ResponseDetails =
  | { type: "accept_details" }
  | { type: "reject_details"; reason: string }
  | { type: "wait_details"; delay_seconds: number; reason: string }
  | { type: "abort_details"; reason: string };

/** Flow-run retry/pause settings, as stored in flow_run.empirical_policy. */
export interface FlowRunPolicy {
  max_retries?: number; // deprecated alias of retries
  retry_delay_seconds?: number; // deprecated alias of retry_delay
  retries?: number | null;
  retry_delay?: number | null;
  pause_keys?: string[] | null;
  resuming?: boolean | null;
  retry_type?: "in_process" | "reschedule" | null;
  [extra: string]: unknown;
}

/** Task-run retry settings, as stored in task_run.empirical_policy. */
export interface TaskRunPolicy {
  max_retries?: number;
  retry_delay_seconds?: number;
  retries?: number | null;
  retry_delay?: number | number[] | null;
  retry_jitter_factor?: number | null;
  [extra: string]: unknown;
}

/** The columns the global bookkeeping maintains on both run tables. */
export interface RunBookkeeping {
  state_id: string | null;
  state_type: StateType | null;
  state_name: string | null;
  state_timestamp: string | null;
  start_time: string | null;
  end_time: string | null;
  /** Float seconds. */
  total_run_time: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  run_count: number;
}

export interface FlowRunSnapshot extends RunBookkeeping {
  id: string;
  empirical_policy: FlowRunPolicy;
  deployment_id: string | null;
  parent_task_run_id: string | null;
  infrastructure_pid: string | null;
}

export interface TaskRunSnapshot extends RunBookkeeping {
  id: string;
  flow_run_id: string | null;
  flow_run_run_count: number;
  empirical_policy: TaskRunPolicy;
  tags?: string[];
}

/** What task rules need to know about the enclosing flow run (pre-loaded by the store). */
export interface EnclosingFlowRun {
  id: string;
  run_count: number;
  state: State | null;
}

export type AnyRun = FlowRunSnapshot | TaskRunSnapshot;

/**
 * Run columns orchestration may change: the bookkeeping columns, empirical_policy (flow runs: retry_type,
 * resuming, pause_keys) and task runs' flow_run_run_count. empirical_policy is always the whole object.
 */
export type RunPatch = Partial<RunBookkeeping> & {
  empirical_policy?: FlowRunPolicy | TaskRunPolicy;
  flow_run_run_count?: number;
};

/** Work the store does in the same transaction, beyond writing the state and the run patch. */
export type Effect =
  | {
      kind: "insert_task_run_state_cache";
      cache_key: string;
      cache_expiration: string | null;
      task_run_state_id: string;
    }
  // Orchestrate the parent task run with force=true and this state (a fresh copy of the subflow's).
  | { kind: "set_parent_task_run_state"; task_run_id: string; state: StateDraft }
  | { kind: "enqueue_background_task"; retry: boolean }
  // A new pause must not see run input left by an earlier attempt under the same keys.
  | { kind: "delete_flow_run_inputs"; keys: string[] }
  // The store ends the task run's leases on its tags' limits.
  | { kind: "release_task_concurrency_slots" }
  // One slot of each of these tag limits under a new lease held by the task run.
  | { kind: "take_task_concurrency_slots"; limit_ids: string[]; lease_id: string }
  // The store ends the lease and gives its slot back; without a live lease, one slot of the limit.
  | { kind: "release_deployment_concurrency_slot"; deployment_id: string; lease_id: string | null }
  // One slot of the deployment's limit under a new lease (its id is already in the written state).
  | { kind: "take_deployment_concurrency_slot"; limit_id: string; lease_id: string; lease_seconds: number }
  | { kind: "renew_deployment_concurrency_lease"; lease_id: string; lease_seconds: number }
  // Clients older than 3.4.11 cannot renew: the lease goes, the slot stays until the run leaves.
  | { kind: "drop_deployment_concurrency_lease"; lease_id: string };

/** A task run's tag:<tag> limits (active ones, slots as of now), pre-loaded and locked for →RUNNING. */
export interface TagConcurrency {
  limits: Array<{ id: string; tag: string; limit: number; active_slots: number; avg_slot_occupancy_seconds: number }>;
  /** PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: the longest WAIT. */
  waitSeconds: number;
  newLeaseId: string;
}

/**
 * What the deployment-concurrency rules need, pre-loaded (and, on PostgreSQL, the limit row locked) by
 * the store for a flow run of a deployment moving to PENDING, from PENDING to RUNNING, or to Late.
 */
export interface DeploymentConcurrency {
  /** False when the run's deployment no longer exists. */
  found: boolean;
  /** The deployment's limit with its slots as of now, or null when it has none. */
  limit: { id: string; limit: number; active_slots: number } | null;
  strategy: "ENQUEUE" | "CANCEL_NEW";
  /** concurrency_options.grace_period_seconds, else PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION. */
  leaseSeconds: number;
  /** PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS: how far AwaitingConcurrencySlot reschedules. */
  slotWaitSeconds: number;
  /** Whether the lease named by the current state is still unexpired. */
  leaseAlive: boolean;
  /** The id a lease made by this transition gets. */
  newLeaseId: string;
}

/** Everything a rule may read. Rules must not mutate it; they return decisions instead. */
export interface RuleContext {
  kind: RunKind;
  /** The run with every earlier rule's patch applied. */
  run: AnyRun;
  initial: State | null;
  /** The proposal as shaped by earlier rules; never null while rules are entered. */
  proposed: StateDraft;
  now: string;
  clientVersion: string | null;
  /** Task runs: the enclosing flow run, or null (no flow run, or it no longer exists). */
  flowRun: EnclosingFlowRun | null;
  /** Task runs: the newest unexpired cached state for the proposal's cache_key, pre-loaded by the store. */
  cachedState: State | null;
  /** Flow runs of deployments, for the transitions deployment concurrency governs; else null. */
  deploymentConcurrency: DeploymentConcurrency | null;
  /** Task runs with tags proposing RUNNING: their tag limits; else null. */
  tagConcurrency: TagConcurrency | null;
  /** Uniform [0, 1) source for retry jitter; jitter is skipped when absent. */
  random: (() => number) | null;
  maxCacheKeyLength: number;
}

/** The context after the state was (or was not) written. */
export interface AfterContext extends Omit<RuleContext, "proposed"> {
  /** The written state, or null when nothing was written. */
  validated: State | null;
  /** The response status the before pass settled on. */
  status: SetStateStatus;
}

export type Decision =
  | { kind: "accept" }
  | { kind: "reject"; state: StateDraft | null; reason: string }
  | { kind: "wait"; delaySeconds: number; reason: string }
  | { kind: "abort"; reason: string };

/** The result of a rule's before-transition hook. */
export interface RuleOutcome {
  decision: Decision;
  /** A transformed proposal (rename, copied details); only with "accept", and it must keep the type. */
  proposed?: StateDraft;
  /** Applied to the run at once; undone if the rule later "fizzles" (its transition became invalid). */
  runUpdates?: RunPatch;
}

export interface AfterOutcome {
  runUpdates?: RunPatch;
  effects?: Effect[];
  emitEvent?: boolean;
}

export type FromState = StateType | null;

/** A rule fires when the initial type is in `from` and the intended type in `to` (and still proposed). */
export interface Rule {
  name: string;
  from: ReadonlySet<FromState>;
  to: ReadonlySet<StateType>;
  before: (ctx: RuleContext) => RuleOutcome;
  /** Runs when the rule fired and did not fizzle, after bookkeeping. */
  after?: (ctx: AfterContext) => AfterOutcome;
}

/** Bookkeeping-like steps that see every transition (Prefect's universal transforms). */
export interface Transform {
  name: string;
  universal: true;
  /** May reshape the proposal; receives null when an earlier rule nullified it. */
  before?: (ctx: Omit<RuleContext, "proposed"> & { proposed: StateDraft | null }) => StateDraft | null;
  after?: (ctx: AfterContext) => AfterOutcome;
}

export type PolicyEntry = Rule | Transform;

export const ALL_STATES: ReadonlySet<StateType> = new Set<StateType>([
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
  "PAUSED",
  "CANCELLING",
]);

/** Every initial state, including "no state yet". */
export const ALL_FROM: ReadonlySet<FromState> = new Set<FromState>([...ALL_STATES, null]);

export const TERMINAL_FROM: ReadonlySet<FromState> = new Set<FromState>([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
]);

export const states = <T extends FromState>(...types: T[]): ReadonlySet<T> => new Set(types);

export const except = (...types: StateType[]): ReadonlySet<StateType> =>
  new Set([...ALL_STATES].filter((t) => !types.includes(t)));

export const exceptFrom = (...types: FromState[]): ReadonlySet<FromState> =>
  new Set([...ALL_FROM].filter((t) => !types.includes(t)));

export const accept = (proposed?: StateDraft, runUpdates?: RunPatch): RuleOutcome => ({
  decision: { kind: "accept" },
  ...(proposed ? { proposed } : {}),
  ...(runUpdates ? { runUpdates } : {}),
});
export const reject = (state: StateDraft | null, reason: string, runUpdates?: RunPatch): RuleOutcome => ({
  decision: { kind: "reject", state, reason },
  ...(runUpdates ? { runUpdates } : {}),
});
export const wait = (delaySeconds: number, reason: string): RuleOutcome => ({
  decision: { kind: "wait", delaySeconds, reason },
});
export const abort = (reason: string): RuleOutcome => ({ decision: { kind: "abort", reason } });

export function flowPolicy(run: AnyRun): FlowRunPolicy {
  return (run as FlowRunSnapshot).empirical_policy ?? {};
}

export function taskPolicy(run: AnyRun): TaskRunPolicy {
  return (run as TaskRunSnapshot).empirical_policy ?? {};
}

/** Prefect's policies fall back to the deprecated max_retries / retry_delay_seconds when unset. */
export function effectiveRetries(policy: { retries?: number | null; max_retries?: number }): number | null {
  if (policy.retries != null) return policy.retries;
  return policy.max_retries ? policy.max_retries : null;
}

export function effectiveRetryDelay<T>(policy: {
  retry_delay?: T | null;
  retry_delay_seconds?: number;
}): T | number | null {
  if (policy.retry_delay != null) return policy.retry_delay;
  return policy.retry_delay_seconds ? policy.retry_delay_seconds : null;
}
