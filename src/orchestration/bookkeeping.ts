// Global bookkeeping (Prefect's GlobalFlowPolicy / GlobalTaskPolicy): run columns kept in step with
// every state that is written, whatever policy ran and even with force=true.
import { flowPolicy, type AnyRun, type FlowRunSnapshot, type RunKind, type RunPatch } from "./context.ts";
import { isTerminal, type State } from "./states.ts";
import { compareTimestamps, diffSeconds } from "../core/time.ts";

/**
 * The run fields that change because `validated` was written after `currentState`. Rules' own updates
 * must already be applied to `run` (run_count and the resuming flag depend on them). Returns only
 * the fields it sets; the caller merges them.
 */
export function applyBookkeeping(kind: RunKind, run: AnyRun, currentState: State | null, validated: State): RunPatch {
  const ts = validated.timestamp;
  const patch: Record<string, unknown> = {
    state_id: validated.id,
    state_type: validated.type,
    state_name: validated.name,
    state_timestamp: ts,
  };

  let startTime = run.start_time;
  if (validated.type === "RUNNING" && !startTime) {
    startTime = ts;
    patch.start_time = ts;
  }

  if (currentState && isTerminal(currentState.type) && !isTerminal(validated.type)) {
    patch.end_time = null;
  }
  if (isTerminal(validated.type)) {
    const endTime = "end_time" in patch ? null : run.end_time;
    if (!endTime) {
      // A run that fails before it executes still gets a start time.
      if (!startTime) patch.start_time = ts;
      patch.end_time = ts;
    }
  }

  if (currentState?.type === "RUNNING") {
    patch.total_run_time = roundMicros((run.total_run_time ?? 0) + diffSeconds(ts, currentState.timestamp));
  }

  if (!run.expected_start_time) {
    patch.expected_start_time = validated.type === "SCHEDULED" ? (validated.state_details.scheduled_time ?? ts) : ts;
  }

  if (currentState?.type === "SCHEDULED") patch.next_scheduled_start_time = null;
  if (validated.type === "SCHEDULED") patch.next_scheduled_start_time = validated.state_details.scheduled_time ?? null;

  if (kind === "flow_run") {
    const policy = flowPolicy(run);
    // A run resuming from a pause continues its attempt rather than starting a new one.
    if (validated.type === "RUNNING" && !policy.resuming) patch.run_count = (run.run_count ?? 0) + 1;
    if ((validated.type === "RUNNING" || isTerminal(validated.type)) && policy.resuming) {
      patch.empirical_policy = { ...policy, resuming: false };
    }
  } else if (validated.type === "RUNNING") {
    patch.run_count = (run.run_count ?? 0) + 1;
  }
  return patch as RunPatch;
}

/** Prefect's estimated_run_time: total_run_time plus the time spent in the current RUNNING state. */
export function estimatedRunTime(
  run: Pick<FlowRunSnapshot, "state_type" | "state_timestamp" | "total_run_time">,
  now: string,
): number {
  const total = run.total_run_time ?? 0;
  if (run.state_type === "RUNNING" && run.state_timestamp) {
    return roundMicros(total + diffSeconds(now, run.state_timestamp));
  }
  return total;
}

/**
 * Prefect's estimated_start_time_delta (lateness): how late the run started, or, for a run that has
 * not started and is not finished, how late it is so far.
 */
export function estimatedStartTimeDelta(
  run: Pick<FlowRunSnapshot, "start_time" | "expected_start_time" | "state_type">,
  now: string,
): number {
  const expected = run.expected_start_time;
  if (!expected) return 0;
  if (run.start_time) {
    return compareTimestamps(run.start_time, expected) > 0 ? diffSeconds(run.start_time, expected) : 0;
  }
  if (compareTimestamps(expected, now) < 0 && !isTerminal(run.state_type)) return diffSeconds(now, expected);
  return 0;
}

function roundMicros(seconds: number): number {
  return Math.round(seconds * 1_000_000) / 1_000_000;
}
