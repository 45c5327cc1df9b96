// Tag concurrency limits for REST-orchestrated task runs (Prefect's SecureTaskConcurrencySlots and
// ReleaseTaskConcurrencySlots over tag:<tag> limits in concurrency_limit_v2). The SDK's own task runs
// take their tag slots client-side (increment-with-lease); these rules serve the task runs whose states
// go through POST /task_runs/{id}/set_state. The store pre-loads the limits (locked) and performs the
// effects in the same transaction.
import { abort, accept, ALL_FROM, states, wait, type Rule, type TaskRunSnapshot, type Transform } from "../context.ts";
import { clampedPoissonInterval } from "./jitter.ts";

/**
 * Entering RUNNING takes a slot of every active tag limit of the run under one lease; a limit of 0
 * ABORTs (the task would deadlock), a full one WAITs about the most contended limit's average
 * occupancy, at most PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS, jittered.
 */
export const SecureTaskConcurrencySlots: Rule = {
  name: "SecureTaskConcurrencySlots",
  from: ALL_FROM,
  to: states("RUNNING"),
  before({ tagConcurrency: tc, random }) {
    if (!tc?.limits.length) return accept();
    const zero = tc.limits.find((l) => l.limit === 0);
    if (zero)
      return abort(`The concurrency limit on tag "${zero.tag}" is 0 and will deadlock if the task tries to run again.`);
    if (tc.limits.every((l) => l.active_slots + 1 <= l.limit)) return accept();
    let blocking = tc.limits[0]!;
    for (const l of tc.limits) if (l.active_slots / l.limit > blocking.active_slots / blocking.limit) blocking = l;
    const average = Math.min(blocking.avg_slot_occupancy_seconds || tc.waitSeconds, tc.waitSeconds);
    const delay = random ? clampedPoissonInterval(average, 0.3, random) : average;
    return wait(Math.round(delay), `Concurrency limit reached for tags: ${tc.limits.map((l) => l.tag).join(", ")}`);
  },
  after({ validated, tagConcurrency: tc }) {
    if (!tc?.limits.length || validated?.type !== "RUNNING") return {};
    return {
      effects: [
        { kind: "take_task_concurrency_slots", limit_ids: tc.limits.map((l) => l.id), lease_id: tc.newLeaseId },
      ],
    };
  },
};

/** Leaving RUNNING/CANCELLING frees the run's tag slots; the store ends its leases. */
export const ReleaseTaskConcurrencySlots: Transform = {
  name: "ReleaseTaskConcurrencySlots",
  universal: true,
  after({ validated, run }) {
    if (!validated || validated.type === "RUNNING" || validated.type === "CANCELLING") return {};
    if (((run as TaskRunSnapshot).tags ?? []).length === 0) return {};
    return { effects: [{ kind: "release_task_concurrency_slots" }] };
  },
};
