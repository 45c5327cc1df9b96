import {
  accept,
  effectiveRetries,
  effectiveRetryDelay,
  flowPolicy,
  reject,
  states,
  taskPolicy,
  type Rule,
} from "../context.ts";
import { makeDraft, type StateDraft } from "../states.ts";
import { addSeconds } from "../../core/time.ts";
import { clampedPoissonInterval } from "./jitter.ts";

function awaitingRetry(proposed: StateDraft, scheduledTime: string): StateDraft {
  return makeDraft("SCHEDULED", {
    name: "AwaitingRetry",
    message: proposed.message,
    data: proposed.data,
    state_details: { scheduled_time: scheduledTime },
  });
}

/**
 * A failed attempt with retries left becomes AwaitingRetry; the engine then proposes RUNNING, waits
 * out the delay and runs again. retry_type tells the UI and the engine the run is retrying in process;
 * pause keys are cleared so the next attempt may pause again.
 */
export const RetryFailedFlows: Rule = {
  name: "RetryFailedFlows",
  from: states("RUNNING"),
  to: states("FAILED"),
  before({ initial, proposed, run, now }) {
    if (!initial) return accept();
    const policy = flowPolicy(run);
    const retries = effectiveRetries(policy);
    if (retries === null || run.run_count > retries) {
      // Clearing retry_type keeps later infrastructure-level retries (from the UI) possible.
      return accept(undefined, { empirical_policy: { ...policy, retry_type: null } });
    }
    const delay = Number(effectiveRetryDelay(policy) ?? 0);
    const empirical_policy = { ...policy, resuming: false, pause_keys: [], retry_type: "in_process" as const };
    const retry = awaitingRetry(proposed, addSeconds(now, delay));
    // The process keeps its deployment concurrency lease across an in-process retry.
    retry.state_details.deployment_concurrency_lease_id = initial.state_details.deployment_concurrency_lease_id ?? null;
    return reject(retry, "Retrying", { empirical_policy });
  },
};

/**
 * Task retries (REST-orchestrated task runs only). retry_delay may be a list indexed by attempt (the
 * last entry repeats); retry_jitter_factor spreads retries with a clamped Poisson draw when a random
 * source is supplied, and is skipped otherwise so results stay deterministic. A client may veto a
 * retry with state_details.retriable = false (retry_condition_fn).
 */
export const RetryFailedTasks: Rule = {
  name: "RetryFailedTasks",
  from: states("RUNNING"),
  to: states("FAILED"),
  before({ initial, proposed, run, now, random }) {
    if (!initial) return accept();
    if (proposed.state_details.retriable === false) return accept();
    const policy = taskPolicy(run);
    const retries = effectiveRetries(policy);
    if (retries === null || run.run_count > retries) return accept();
    const base = baseRetryDelay(effectiveRetryDelay(policy), run.run_count);
    const factor = policy.retry_jitter_factor;
    const delay = factor && factor > 0 && random && base > 0 ? clampedPoissonInterval(base, factor, random) : base;
    return reject(awaitingRetry(proposed, addSeconds(now, delay)), "Retrying");
  },
};

/** Python's `delay[min(run_count - 1, len(delay) - 1)]`, negative indices included. */
export function baseRetryDelay(delay: number | number[] | null, runCount: number): number {
  if (!Array.isArray(delay)) return Number(delay ?? 0);
  if (delay.length === 0) return 0;
  let index = Math.min(runCount - 1, delay.length - 1);
  if (index < 0) index = Math.max(0, delay.length + index);
  return Number(delay[index] ?? 0);
}
