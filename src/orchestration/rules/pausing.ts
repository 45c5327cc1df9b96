import {
  abort,
  accept,
  ALL_FROM,
  ALL_STATES,
  flowPolicy,
  reject,
  states,
  type FlowRunSnapshot,
  type Rule,
} from "../context.ts";
import { isTerminal, makeDraft } from "../states.ts";
import { compareTimestamps } from "../time.ts";

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
  // Prefect records a random uuid when no key is given; such a key can never match again, so recording
  // nothing behaves the same and keeps this rule free of randomness.
  after({ validated, run }) {
    const key = validated?.type === "PAUSED" ? validated.state_details.pause_key : null;
    if (key == null) return {};
    const policy = flowPolicy(run);
    const keys = policy.pause_keys ?? [];
    if (keys.includes(key)) return {};
    return { runUpdates: { empirical_policy: { ...policy, pause_keys: [...keys, key] } } };
  },
};

/**
 * A paused run may continue (RUNNING), be rescheduled (suspended runs, via a deployment) or end. A pause
 * whose timeout passed fails instead. The resuming flag stops the next RUNNING from counting as a new
 * attempt; like Prefect it is set whenever this rule fired and did not fizzle, even on a rejection.
 */
export const HandleResumingPausedFlows: Rule = {
  name: "HandleResumingPausedFlows",
  from: states("PAUSED"),
  to: ALL_STATES,
  before({ initial, proposed, run, now }) {
    if (!initial) return accept();
    if (!(proposed.type === "RUNNING" || proposed.type === "SCHEDULED" || isTerminal(proposed.type))) {
      return reject(null, `This run cannot transition to the ${proposed.type} state from the ${initial.type} state.`);
    }
    const verb = verbFor(proposed.name);
    const display = (proposed.name || proposed.type).toLowerCase();
    if (initial.state_details.pause_reschedule && !(run as FlowRunSnapshot).deployment_id) {
      return reject(null, `Cannot reschedule a ${display} flow run without a deployment.`);
    }
    const timeout = initial.state_details.pause_timeout;
    if (timeout && compareTimestamps(timeout, now) < 0) {
      return reject(
        makeDraft("FAILED", { message: `The flow was ${display} and never resumed.` }),
        `The flow run ${verb} has timed out and can no longer resume.`,
      );
    }
    return accept();
  },
  after({ run }) {
    return { runUpdates: { empirical_policy: { ...flowPolicy(run), resuming: true } } };
  },
};
