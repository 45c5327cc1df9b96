// Builders and a tiny in-memory "store" for driving orchestrate() through whole run lifecycles.
import type {
  DeploymentConcurrency,
  EnclosingFlowRun,
  FlowRunSnapshot,
  TaskRunSnapshot,
} from "../../../src/orchestration/context.ts";
import {
  orchestrate,
  type OrchestrateResult,
  type TaskRunOrchestrateInput,
} from "../../../src/orchestration/orchestrate.ts";
import type { PolicyName } from "../../../src/orchestration/policies.ts";
import {
  defaultStateDetails,
  defaultStateName,
  type State,
  type StateCreate,
  type StateDetails,
  type StateType,
} from "../../../src/orchestration/states.ts";
import { addSeconds } from "../../../src/core/time.ts";

export const T0 = "2026-08-21T12:00:00.000000Z";
export const FLOW_RUN_ID = "0190f0f0-0000-7000-8000-000000000001";
export const TASK_RUN_ID = "0190f0f0-0000-7000-8000-000000000002";
export const DEPLOYMENT_ID = "0190f0f0-0000-7000-8000-0000000000d1";

let counter = 0;
export const nextId = () => `0190f0f0-0000-7000-8000-${String(++counter).padStart(12, "0")}`;

export function flowRun(overrides: Partial<FlowRunSnapshot> = {}): FlowRunSnapshot {
  return {
    id: FLOW_RUN_ID,
    state_id: null,
    state_type: null,
    state_name: null,
    state_timestamp: null,
    start_time: null,
    end_time: null,
    total_run_time: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    run_count: 0,
    empirical_policy: {},
    deployment_id: null,
    parent_task_run_id: null,
    infrastructure_pid: null,
    ...overrides,
  };
}

export function taskRun(overrides: Partial<TaskRunSnapshot> = {}): TaskRunSnapshot {
  return {
    id: TASK_RUN_ID,
    state_id: null,
    state_type: null,
    state_name: null,
    state_timestamp: null,
    start_time: null,
    end_time: null,
    total_run_time: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    run_count: 0,
    flow_run_id: FLOW_RUN_ID,
    flow_run_run_count: 0,
    empirical_policy: {},
    tags: [],
    ...overrides,
  };
}

export function state(
  type: StateType,
  overrides: Partial<Omit<State, "state_details">> & { state_details?: Partial<StateDetails> } = {},
): State {
  return {
    id: overrides.id ?? nextId(),
    type,
    name: overrides.name ?? defaultStateName(type),
    timestamp: overrides.timestamp ?? T0,
    message: overrides.message ?? null,
    data: overrides.data ?? null,
    state_details: { ...defaultStateDetails(), ...(overrides.state_details ?? {}) },
  };
}

export const PERSISTED = { storage_key: "/results/abc", serializer: { type: "pickle" }, prefect_version: "3.8.4" };

interface ProposeOptions {
  force?: boolean;
  now?: string;
  policy?: PolicyName;
}

/** Keeps a flow run and its current state the way the store would, and advances a fake clock. */
export class FlowSim {
  now = T0;
  history: State[] = [];
  constructor(
    public run: FlowRunSnapshot = flowRun(),
    public current: State | null = null,
  ) {}

  advance(seconds: number): this {
    this.now = addSeconds(this.now, seconds);
    return this;
  }

  propose(proposed: StateCreate, opts: ProposeOptions = {}): OrchestrateResult {
    const result = orchestrate({
      kind: "flow_run",
      run: this.run,
      currentState: this.current,
      proposed,
      force: opts.force,
      now: opts.now ?? this.now,
      newStateId: nextId(),
      policy: opts.policy,
    });
    this.apply(result);
    return result;
  }

  private apply(result: OrchestrateResult) {
    this.run = { ...this.run, ...(result.runUpdates as Partial<FlowRunSnapshot>) };
    if (result.stateToWrite) {
      this.current = result.stateToWrite;
      this.history.push(result.stateToWrite);
    }
  }
}

/** The same for a task run, with the enclosing flow run supplied per call. */
export class TaskSim {
  now = T0;
  constructor(
    public run: TaskRunSnapshot = taskRun(),
    public current: State | null = null,
    public flow: EnclosingFlowRun | null = { id: FLOW_RUN_ID, run_count: 1, state: state("RUNNING") },
  ) {}

  advance(seconds: number): this {
    this.now = addSeconds(this.now, seconds);
    return this;
  }

  propose(proposed: StateCreate, extra: Partial<TaskRunOrchestrateInput> = {}): OrchestrateResult {
    const result = orchestrate({
      kind: "task_run",
      run: this.run,
      currentState: this.current,
      proposed,
      now: this.now,
      newStateId: nextId(),
      flowRun: this.flow,
      ...extra,
    });
    this.run = { ...this.run, ...(result.runUpdates as Partial<TaskRunSnapshot>) };
    if (result.stateToWrite) this.current = result.stateToWrite;
    return result;
  }
}

/** One flow-run transition with the core policy. */
export function flowTransition(
  current: State | null,
  proposed: StateCreate,
  opts: {
    run?: Partial<FlowRunSnapshot>;
    now?: string;
    force?: boolean;
    policy?: PolicyName;
    clientVersion?: string | null;
    deploymentConcurrency?: DeploymentConcurrency | null;
  } = {},
): OrchestrateResult {
  return orchestrate({
    kind: "flow_run",
    run: flowRun(opts.run),
    currentState: current,
    proposed,
    force: opts.force,
    now: opts.now ?? addSeconds(T0, 1),
    newStateId: nextId(),
    policy: opts.policy,
    clientVersion: opts.clientVersion ?? null,
    deploymentConcurrency: opts.deploymentConcurrency ?? null,
  });
}

/** One task-run transition with the core task policy. */
export function taskTransition(
  current: State | null,
  proposed: StateCreate,
  opts: Partial<Omit<TaskRunOrchestrateInput, "run">> & { run?: Partial<TaskRunSnapshot> } = {},
): OrchestrateResult {
  const { run, ...rest } = opts;
  return orchestrate({
    kind: "task_run",
    currentState: current,
    proposed,
    now: addSeconds(T0, 1),
    newStateId: nextId(),
    flowRun: { id: FLOW_RUN_ID, run_count: 1, state: state("RUNNING") },
    ...rest,
    run: taskRun(run),
  });
}
