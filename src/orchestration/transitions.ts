// The one way a run changes state, for the API, the dashboard and every background service: the store
// runs the rules and writes the result in one transaction, and this entry point publishes the
// resulting prefect.flow-run.<State> event after the commit. No caller publishes by hand, and the
// policies that are not rules (how the dashboard cancels) live here rather than in a route.
//
// Unlike the rest of orchestration/ this file does I/O through the stores it is given; the layering
// test (test/unit/layers.test.ts) places it above store/ while the pure rules stay below.
import type { EventBus } from "../events/bus.ts";
import { publishFlowRunTransition } from "../events/run-events.ts";
import type { FlowRunInputsStore } from "../store/flow-run-inputs.ts";
import type { FlowRunCreate, FlowRunsStore, TransitionOutcome } from "../store/flow-runs.ts";
import type { SetStateOutcome } from "../store/run-states.ts";
import type { TaskRunJson } from "../store/run-shapes.ts";
import type { TaskRunCreate, TaskRunsStore } from "../store/task-runs.ts";
import type { TaskQueue } from "./task-queue.ts";
import type { PolicyName } from "./policies.ts";
import { isTerminal, type State, type StateCreate, type StateType } from "./states.ts";
import { nowTimestamp } from "../core/time.ts";
import { runInputProblem } from "../schemas/run-input.ts";

export interface TransitionOptions {
  force?: boolean;
  /** The SDK's version (from its User-Agent): some rules only apply to older clients. */
  clientVersion?: string | null;
  /** A policy other than the run kind's core one (the late-runs service uses MarkLateRunsPolicy). */
  policy?: PolicyName | null;
}

export interface ResumeOptions {
  clientVersion?: string | null;
  /** The answer to a pause that waits for input (POST /flow_runs/{id}/resume's run_input). */
  runInput?: Record<string, unknown> | null;
}

export interface TransitionDeps {
  flowRuns: FlowRunsStore;
  flowRunInputs: FlowRunInputsStore;
  taskRuns: TaskRunsStore;
  bus: EventBus;
  /** Background task runs waiting for task workers (task-queue.ts). */
  taskQueue: TaskQueue<TaskRunJson>;
}

export function transitions(deps: TransitionDeps) {
  const { flowRuns, flowRunInputs, taskRuns, bus, taskQueue } = deps;
  // A background run's state events (its worker runs it client-side) say it has left the queue's hands.
  bus.subscribe((batch) => {
    for (const e of batch) {
      if (!e.event.startsWith("prefect.task-run.") || e.event === "prefect.task-run.Scheduled") continue;
      const id = e.resource["prefect.resource.id"]?.slice("prefect.task-run.".length);
      if (id) taskQueue.started(id);
    }
  });
  const publish = (outcome: TransitionOutcome | null) => publishFlowRunTransition(bus, outcome, nowTimestamp());

  const setFlowRunState = async (
    id: string,
    proposed: StateCreate,
    opts: TransitionOptions = {},
  ): Promise<TransitionOutcome | null> => {
    const outcome = await flowRuns.setState(id, {
      proposed,
      force: opts.force ?? false,
      now: nowTimestamp(),
      clientVersion: opts.clientVersion,
      policy: opts.policy,
    });
    publish(outcome);
    return outcome;
  };

  return {
    /** Creates a flow run with its first state (forced, as Prefect does) and announces that state. */
    async createFlowRun(input: FlowRunCreate) {
      const created = await flowRuns.create(input);
      publish(created.transition);
      return created;
    },

    setFlowRunState,

    /**
     * POST /flow_runs/bulk_set_state: each run through the same rules, one after another, as Prefect
     * does; a run that fails to change is an ABORT naming why, and the rest go on.
     */
    async bulkSetFlowRunState(ids: string[], proposed: StateCreate, opts: TransitionOptions) {
      const results = [];
      for (const id of ids) {
        try {
          const outcome = await setFlowRunState(id, proposed, opts);
          if (!outcome) throw new Error("Flow run not found");
          const { result } = outcome;
          results.push({
            flow_run_id: id,
            status: result.status,
            state: result.responseState,
            details: result.details,
          });
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e);
          results.push({ flow_run_id: id, status: "ABORT", state: null, details: { type: "abort_details", reason } });
        }
      }
      return results;
    },

    /** A background run (task.delay()) is queued for its task workers after the commit. */
    async createTaskRun(input: TaskRunCreate) {
      const made = await taskRuns.create(input);
      if (made.enqueue) taskQueue.push(made.run, made.enqueue.retry);
      return made;
    },

    /** Task runs orchestrated by the server emit no event of their own (Prefect's server does not either). */
    async setTaskRunState(
      id: string,
      proposed: StateCreate,
      opts: TransitionOptions = {},
    ): Promise<SetStateOutcome | null> {
      const outcome = await taskRuns.setState(id, {
        proposed,
        force: opts.force ?? false,
        now: nowTimestamp(),
        clientVersion: opts.clientVersion,
        policy: opts.policy,
      });
      const effect = outcome?.result.effects.find((e) => e.kind === "enqueue_background_task");
      if (effect?.kind === "enqueue_background_task") {
        const run = await taskRuns.get(id);
        if (run) taskQueue.push(run, effect.retry);
      } else if (outcome?.result.stateToWrite && outcome.result.stateToWrite.type !== "SCHEDULED") {
        taskQueue.started(id);
      }
      return outcome;
    },

    /**
     * Cancel as the Prefect UI does: Cancelling, so a worker or serving process can stop the
     * infrastructure. A run without a deployment has none to stop, so it ends Cancelled at once.
     * False when the run does not exist or has already finished.
     */
    /**
     * POST /flow_runs/{id}/resume (Prefect's resume_flow_run): a Paused run goes back to Running, or to
     * Scheduled "Resuming" when its pause tore the process down (pause_reschedule: a suspended run is
     * started again by its deployment's infrastructure). Anything but Paused is an ABORT, as Prefect's. A
     * pause waiting for typed input (a run_input_keyset) takes only input that fits the schema the flow
     * stored under the keyset's "schema" key; anything else is a REJECT naming the field, and the run
     * stays paused. Accepted input is stored under the "response" key in the transition's transaction.
     * Null when the run does not exist.
     */
    async resumeFlowRun(id: string, opts: ResumeOptions = {}): Promise<ResumeOutcome | null> {
      const run = await flowRuns.get(id);
      if (!run) return null;
      const state = run.state;
      if (state?.type !== "PAUSED") return { kind: "abort", reason: "Cannot resume a flow run that is not paused." };
      const keyset = state.state_details?.run_input_keyset;
      let answer: { key: string; value: string } | null = null;
      if (keyset && Object.keys(keyset).length) {
        const runInput = opts.runInput ?? {};
        const stored = keyset.schema ? await flowRunInputs.read(id, keyset.schema) : null;
        if (!stored) return { kind: "reject", state, reason: "Run input schema not found." };
        const problem = runInputProblem(runInput, stored.value);
        if (problem) return { kind: "reject", state, reason: problem };
        if (keyset.response && Object.keys(runInput).length)
          answer = { key: keyset.response, value: JSON.stringify(runInput) };
      }
      const proposed: StateCreate = state.state_details?.pause_reschedule
        ? { type: "SCHEDULED", name: "Resuming", state_details: { scheduled_time: nowTimestamp() } }
        : { type: "RUNNING" };
      const outcome = await flowRuns.resume(
        id,
        state.id,
        { proposed, force: false, now: nowTimestamp(), clientVersion: opts.clientVersion },
        answer,
      );
      if (outcome === "moved") return { kind: "abort", reason: "Cannot resume a flow run that is not paused." };
      publish(outcome);
      return outcome ? { kind: "transition", outcome } : null;
    },

    async cancelFlowRun(id: string, message: string): Promise<boolean> {
      const run = await flowRuns.get(id);
      if (!run || isTerminal(run.state_type as StateType)) return false;
      await setFlowRunState(id, { type: "CANCELLING", message }, { force: true });
      if (!run.deployment_id) await setFlowRunState(id, { type: "CANCELLED", message }, { force: true });
      return true;
    },
  };
}

export type Transitions = ReturnType<typeof transitions>;

/** What a resume did: nothing (abort, reject, with the reason) or a transition. */
export type ResumeOutcome =
  | { kind: "abort"; reason: string }
  | { kind: "reject"; state: State; reason: string }
  | { kind: "transition"; outcome: TransitionOutcome };
