import {
  abort,
  accept,
  ALL_FROM,
  ALL_STATES,
  flowPolicy,
  reject,
  states,
  type AfterOutcome,
  type FlowRunSnapshot,
  type Rule,
} from "../context.ts";
import { isTerminal, makeDraft } from "../states.ts";
import { compareTimestamps } from "../../core/time.ts";

const verbFor = (name: string) => (name === "Suspended" ? "suspend" : "pause");

/**
 * Only a running flow may pause, and each pause_key only once: the engine re-proposes the same pause
 * after a resume and must not pause again. Suspending (pause_reschedule) tears the process down, so the
 * run has to be restartable by a worker: it needs a deployment and cannot be a subflow.
 */
export const HandlePausingFlows: Rule = {
  name: "HandlePausingFlows",
  from: ALL_FROM,
  to: states("PAUSED"),
  before({ initial, proposed, run }) {
    const verb = verbFor(proposed.name);
    if (!initial) return abort(`Cannot ${verb} flows with no state.`);
    if (initial.type !== "RUNNING") {
      return reject(null, `Cannot ${verb} flows that are not currently running.`);
    }
    const key = proposed.state_details.pause_key;
    if (key != null && (flowPolicy(run).pause_keys ?? []).includes(key)) {
      return reject(null, `This ${verb} has already fired.`);
    }
    if (proposed.state_details.pause_reschedule) {
      const flow = run as FlowRunSnapshot;
      if (flow.parent_task_run_id) return abort(`Cannot ${verb} subflows.`);
      if (!flow.deployment_id) return abort(`Cannot ${verb} flows without a deployment.`);
    }
    return accept();
  },
  // Prefect records a random uuid when no key is given; the written state's id is just as unique and
  // keeps the rule free of randomness.
  after({ validated, run }) {
    if (validated?.type !== "PAUSED") return {};
    const key = validated.state_details.pause_key ?? validated.id;
    const policy = flowPolicy(run);
    const keys = policy.pause_keys ?? [];
    const out: AfterOutcome = keys.includes(key)
      ? {}
      : { runUpdates: { empirical_policy: { ...policy, pause_keys: [...keys, key] } } };
    // This pause has not fired on this attempt, so input stored under its keys is from an earlier one.
    const keyset = validated.state_details.run_input_keyset;
    if (keyset && Object.keys(keyset).length > 0) {
      out.effects = [{ kind: "delete_flow_run_inputs", keys: Object.values(keyset) }];
    }
    return out;
  },
};

/**
 * A paused run may continue (RUNNING), be rescheduled (suspended runs, via a deployment), be cancelled
 * or end. A pause whose timeout passed fails instead, except for cancellation, which must still reach
 * the worker. The resuming flag stops the next RUNNING from counting as a new attempt; like Prefect it
 * is set whenever this rule fired and did not fizzle, even on a rejection. A blocking (in-process) pause
 * left for SCHEDULED means the process is gone: the run starts over, so pause bookkeeping is reset.
 */
export const HandleResumingPausedFlows: Rule = {
  name: "HandleResumingPausedFlows",
  from: states("PAUSED"),
  to: ALL_STATES,
  before({ initial, proposed, run, now }) {
    if (!initial) return accept();
    const allowed =
      proposed.type === "RUNNING" ||
      proposed.type === "SCHEDULED" ||
      proposed.type === "CANCELLING" ||
      isTerminal(proposed.type);
    if (!allowed) {
      return reject(null, `This run cannot transition to the ${proposed.type} state from the ${initial.type} state.`);
    }
    const verb = verbFor(proposed.name);
    const display = (proposed.name || proposed.type).toLowerCase();
    if (initial.state_details.pause_reschedule && !(run as FlowRunSnapshot).deployment_id) {
      return reject(null, `Cannot reschedule a ${display} flow run without a deployment.`);
    }
    if (proposed.type === "CANCELLING") return accept();
    const timeout = initial.state_details.pause_timeout;
    if (timeout && compareTimestamps(timeout, now) < 0) {
      return reject(
        makeDraft("FAILED", { message: `The flow was ${display} and never resumed.` }),
        `The flow run ${verb} has timed out and can no longer resume.`,
      );
    }
    return accept();
  },
  after({ initial, validated, run }) {
    const policy = flowPolicy(run);
    if (initial && !initial.state_details.pause_reschedule && validated?.type === "SCHEDULED") {
      return {
        runUpdates: { empirical_policy: { ...policy, resuming: false, pause_keys: [], retry_type: "reschedule" } },
      };
    }
    return { runUpdates: { empirical_policy: { ...policy, resuming: true } } };
  },
};
