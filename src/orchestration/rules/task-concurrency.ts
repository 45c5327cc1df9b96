// Tag concurrency limits for REST-orchestrated task runs (tag:<tag> limits in concurrency_limit_v2).
import { accept, ALL_FROM, states, type Rule, type TaskRunSnapshot, type Transform } from "../context.ts";

/**
 * TODO(concurrency limits): on entering RUNNING take a slot on every tag:<tag> limit of the run; a limit
 * of 0 ABORTs (it would deadlock), a full limit WAITs about
 * PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS. Needs the limits pre-loaded or a store-side
 * step; no-op for now.
 */
export const SecureTaskConcurrencySlots: Rule = {
  name: "SecureTaskConcurrencySlots",
  from: ALL_FROM,
  to: states("RUNNING"),
  before: () => accept(),
};

/** Leaving RUNNING/CANCELLING frees the run's tag slots; the store performs the release. */
export const ReleaseTaskConcurrencySlots: Transform = {
  name: "ReleaseTaskConcurrencySlots",
  universal: true,
  after({ validated, run }) {
    if (!validated || validated.type === "RUNNING" || validated.type === "CANCELLING") return {};
    if (((run as TaskRunSnapshot).tags ?? []).length === 0) return {};
    return { effects: [{ kind: "release_task_concurrency_slots" }] };
  },
};
