// orchestrate(): one state transition, decided without I/O. The store calls it inside one transaction:
// load the run and its current state (plus the pre-loaded inputs below), call orchestrate(), then write
// what the result says. Nothing here reads the clock or the database.
//
// Input (OrchestrateInput)
//   kind          "flow_run" | "task_run"
//   run           the run row's relevant columns (FlowRunSnapshot / TaskRunSnapshot in context.ts)
//   currentState  the run's current state, or null
//   proposed      the StateCreate from the request (no id, no timestamp)
//   force         true selects the minimal policy (core rules skipped, bookkeeping still applied)
//   now           normalised timestamp of the request (time.ts nowTimestamp())
//   newStateId    the id the new state row gets if one is written (a UUIDv7)
//   clientVersion the X-Prefect-Client-Version header, if any (for deployment-concurrency rules)
//   policy        optional override: "MarkLateRunsPolicy" for the late-runs service, etc.
//   task runs only, pre-loaded by the store:
//     flowRun     the enclosing flow run {id, run_count, state} (null when none or deleted)
//     cachedState the newest unexpired task_run_state_cache entry's state for
//                 proposed.state_details.cache_key (only needed when proposing RUNNING with a key)
//   flow runs of deployments, pre-loaded by the store:
//     deploymentConcurrency  the deployment's limit, strategy and lease (context.ts DeploymentConcurrency)
//     tagConcurrency         task runs proposing RUNNING: their tag:<tag> limits (TagConcurrency)
//   random        uniform [0,1) source for task retry jitter; without it jitter is skipped
//   maxCacheKeyLength  PREFECT_SERVER_TASKS_MAX_CACHE_KEY_LENGTH (default 2000)
//
// Result (OrchestrateResult)
//   status / details  the OrchestrationResult status and details, ready for JSON
//   stateToWrite      the full state row to insert (id = newStateId), or null. HTTP 201 iff non-null.
//   responseState     OrchestrationResult.state: the written state; otherwise the current state, as
//                     Prefect returns it for REJECT-without-state, WAIT and ABORT (the contract table
//                     says null for WAIT/ABORT; the Prefect source returns the current state and the SDK
//                     ignores it). null only when nothing exists or the proposal itself was invalid.
//   runUpdates        run columns to UPDATE (bookkeeping + rule changes such as empirical_policy and
//                     flow_run_run_count); only fields whose value changed. May be non-empty on REJECT/WAIT.
//   effects           further work for the same transaction (cache row, parent task run state for
//                     subflows, stale run-input deletion, background-task enqueue, concurrency
//                     releases): see Effect in context.ts
//   emitEvent         flow runs: emit prefect.flow-run.<state name> for stateToWrite after commit
//   policy, fired     which policy ran and which rules were entered (debugging, tests)
import { applyBookkeeping } from "./bookkeeping.ts";
import type {
  AnyRun,
  DeploymentConcurrency,
  EnclosingFlowRun,
  Effect,
  FlowRunSnapshot,
  RuleContext,
  RunKind,
  RunPatch,
  TagConcurrency,
  TaskRunSnapshot,
} from "./context.ts";
import { applyPatch, runAfterPass, runBeforePass, type ResponseDetails, type SetStateStatus } from "./engine.ts";
import { selectPolicy, type PolicyName } from "./policies.ts";
import {
  DATETIME_DETAIL_FIELDS,
  defaultStateDetails,
  defaultStateName,
  isStateType,
  type State,
  type StateCreate,
  type StateDetails,
  type StateDraft,
} from "./states.ts";
import { addMicroseconds, compareTimestamps, normalizeTimestamp } from "../core/time.ts";

export type { ResponseDetails, SetStateStatus } from "./engine.ts";

interface CommonInput {
  currentState: State | null;
  proposed: StateCreate;
  force?: boolean;
  now: string;
  newStateId: string;
  clientVersion?: string | null;
  policy?: PolicyName | null;
  random?: (() => number) | null;
  maxCacheKeyLength?: number;
}

export interface FlowRunOrchestrateInput extends CommonInput {
  kind: "flow_run";
  run: FlowRunSnapshot;
  deploymentConcurrency?: DeploymentConcurrency | null;
}

export interface TaskRunOrchestrateInput extends CommonInput {
  kind: "task_run";
  run: TaskRunSnapshot;
  flowRun?: EnclosingFlowRun | null;
  cachedState?: State | null;
  tagConcurrency?: TagConcurrency | null;
}

export type OrchestrateInput = FlowRunOrchestrateInput | TaskRunOrchestrateInput;

export interface OrchestrateResult {
  status: SetStateStatus;
  details: ResponseDetails;
  stateToWrite: State | null;
  responseState: State | null;
  runUpdates: RunPatch;
  effects: Effect[];
  emitEvent: boolean;
  policy: PolicyName;
  fired: string[];
}

export const DEFAULT_MAX_CACHE_KEY_LENGTH = 2000;

export function orchestrate(input: OrchestrateInput): OrchestrateResult {
  const now = mustNormalize(input.now, "now");
  const force = input.force ?? false;
  const policy = selectPolicy(input.kind, force, input.proposed, input.policy);
  const initial = input.currentState;

  const prepared = prepareProposal(input.proposed, now);
  if (typeof prepared === "string") {
    return {
      status: "ABORT",
      details: { type: "abort_details", reason: `Error validating state: ${prepared}` },
      stateToWrite: null,
      responseState: null,
      runUpdates: {},
      effects: [],
      emitEvent: false,
      policy: policy.name,
      fired: [],
    };
  }

  const base: Omit<RuleContext, "proposed"> = {
    kind: input.kind,
    run: input.run,
    initial,
    now,
    clientVersion: input.clientVersion ?? null,
    flowRun: input.kind === "task_run" ? (input.flowRun ?? null) : null,
    cachedState: input.kind === "task_run" ? (input.cachedState ?? null) : null,
    deploymentConcurrency: input.kind === "flow_run" ? (input.deploymentConcurrency ?? null) : null,
    tagConcurrency: input.kind === "task_run" ? (input.tagConcurrency ?? null) : null,
    random: input.random ?? null,
    maxCacheKeyLength: input.maxCacheKeyLength ?? DEFAULT_MAX_CACHE_KEY_LENGTH,
  };

  const before = runBeforePass(policy.entries, base, prepared);
  let run = before.run;
  let stateToWrite: State | null = null;
  if (before.proposed) {
    stateToWrite = materialize(input.kind, run, initial, before.proposed, input.newStateId, now);
    run = applyPatch(run, applyBookkeeping(input.kind, run, initial, stateToWrite));
  }

  const after = runAfterPass(before.entered, base, before.status, run, stateToWrite);
  run = after.run;
  const effects = [...after.effects];
  const parent = (run as FlowRunSnapshot).parent_task_run_id;
  if (input.kind === "flow_run" && stateToWrite && parent) {
    effects.push({
      kind: "set_parent_task_run_state",
      task_run_id: parent,
      state: parentTaskState(stateToWrite, run.id),
    });
  }

  return {
    status: before.status,
    details: before.details,
    stateToWrite,
    responseState: stateToWrite ?? initial,
    runUpdates: changedFields(input.run, run),
    effects,
    emitEvent: input.kind === "flow_run" && after.emitEvent && stateToWrite !== null,
    policy: policy.name,
    fired: before.fired,
  };
}

/**
 * The server-side defaults Prefect's State model applies when parsing a StateCreate: title-cased name,
 * every state_details field present, datetimes normalised, SCHEDULED without a time scheduled for now.
 * Returns an error message for input the API layer should already have refused.
 */
export function prepareProposal(create: StateCreate, now: string): StateDraft | string {
  if (!create || !isStateType(create.type)) return `invalid state type ${JSON.stringify(create?.type)}`;
  const details: StateDetails = defaultStateDetails();
  for (const [key, value] of Object.entries(create.state_details ?? {})) {
    if (value !== undefined) details[key] = value;
  }
  for (const field of DATETIME_DETAIL_FIELDS) {
    const value = details[field];
    if (value == null) continue;
    const normalized = typeof value === "string" ? normalizeTimestamp(value) : null;
    if (normalized === null) return `invalid datetime in state_details.${field}: ${JSON.stringify(value)}`;
    details[field] = normalized;
  }
  if (create.type === "SCHEDULED" && !details.scheduled_time) details.scheduled_time = now;
  return {
    type: create.type,
    name: create.name ?? defaultStateName(create.type),
    message: create.message ?? null,
    data: create.data ?? null,
    state_details: details,
  };
}

/** Gives the surviving proposal its identity: id, a per-run unique timestamp and the run references. */
function materialize(
  kind: RunKind,
  run: AnyRun,
  initial: State | null,
  draft: StateDraft,
  id: string,
  now: string,
): State {
  let timestamp = now;
  const previous = initial ? normalizeTimestamp(initial.timestamp) : null;
  // State rows are unique per (run, timestamp). Prefect 3.9 bumps past any existing row with a lookup;
  // keeping every new state strictly after the current one gives the same guarantee without I/O.
  if (previous && compareTimestamps(timestamp, previous) <= 0) timestamp = addMicroseconds(previous, 1);

  const details: StateDetails = { ...draft.state_details };
  if (draft.type === "SCHEDULED" && !details.scheduled_time) details.scheduled_time = now;
  if (kind === "flow_run") {
    const flow = run as FlowRunSnapshot;
    details.flow_run_id = flow.id;
    if (flow.parent_task_run_id) details.task_run_id = flow.parent_task_run_id;
  } else {
    const task = run as TaskRunSnapshot;
    details.flow_run_id = task.flow_run_id ?? null;
    details.task_run_id = task.id;
  }
  return {
    id,
    type: draft.type,
    name: draft.name,
    timestamp,
    message: draft.message,
    data: draft.data,
    state_details: details,
  };
}

/** The parent task run of a subflow mirrors each subflow state, pointing back at the subflow. */
function parentTaskState(state: State, subflowRunId: string): StateDraft {
  return {
    type: state.type,
    name: state.name,
    message: state.message,
    data: structuredClone(state.data ?? null),
    state_details: { ...structuredClone(state.state_details), child_flow_run_id: subflowRunId },
  };
}

function changedFields(before: AnyRun, after: AnyRun): RunPatch {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (!sameJson((before as unknown as Record<string, unknown>)[key], value)) out[key] = value;
  }
  return out as RunPatch;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null || typeof a !== "object" || typeof b !== "object") return (a ?? null) === (b ?? null);
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function mustNormalize(ts: string, what: string): string {
  const normalized = normalizeTimestamp(ts);
  if (normalized === null) throw new RangeError(`orchestrate: invalid ${what} timestamp ${JSON.stringify(ts)}`);
  return normalized;
}
