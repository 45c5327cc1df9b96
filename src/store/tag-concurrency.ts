// The store's half of tag concurrency for REST-orchestrated task runs (orchestration/rules/
// task-concurrency.ts): inside the task run's set_state transaction, load its tag:<tag> limits (locked)
// for SecureTaskConcurrencySlots, take the slots under one lease when it allows, and end the run's
// leases on its tags when it leaves RUNNING.
import { nowTimestamp } from "../core/time.ts";
import type { Op } from "../db/driver.ts";
import { rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { decayed } from "../orchestration/concurrency-slots.ts";
import type { State, StateCreate, TagConcurrency, TaskRunSnapshot } from "../orchestration/index.ts";
import type { ConcurrencyConfig } from "../settings/server-config.ts";
import { acquireOp, lockLimitsOp, revokeLeasesOp, V1_LEASE_SECONDS } from "./concurrency-slots.ts";
import { type Fragments, list } from "./sql.ts";

const namesOf = (run: TaskRunSnapshot) => [...new Set(run.tags ?? [])].map((t) => `tag:${t}`);

export function* loadTagConcurrencyOp(
  run: TaskRunSnapshot,
  _initial: State | null,
  proposed: StateCreate,
  force: boolean,
  settings: ConcurrencyConfig,
  d: Fragments,
): Op<TagConcurrency | null> {
  if (force || proposed.type !== "RUNNING" || !run.tags?.length) return null;
  const now = nowTimestamp();
  const limits = (yield* lockLimitsOp("name", namesOf(run), d)).filter((l) => l.active);
  return {
    limits: limits.map((l) => ({
      id: l.id,
      tag: l.name.slice("tag:".length),
      limit: Number(l.limit),
      active_slots: decayed(l, now, settings).active_slots,
      avg_slot_occupancy_seconds: Number(l.avg_slot_occupancy_seconds),
    })),
    waitSeconds: settings.tagSlotWaitSeconds,
    newLeaseId: Bun.randomUUIDv7(),
  };
}

/** One slot of each limit (still locked from the load, and seen free) under a lease the task run holds. */
export function* takeTagSlotsOp(
  run: TaskRunSnapshot,
  leaseId: string,
  settings: ConcurrencyConfig,
  d: Fragments,
): Op<void> {
  yield* acquireOp(
    {
      names: namesOf(run),
      slots: 1,
      mode: "concurrency",
      leaseSeconds: V1_LEASE_SECONDS,
      holder: { type: "task_run", id: run.id },
      leaseId,
    },
    nowTimestamp(),
    settings,
    d,
  );
}

/** Ends the task run's leases on its tags' limits, giving their slots back. */
export function* releaseTagSlotsOp(run: TaskRunSnapshot, settings: ConcurrencyConfig, d: Fragments): Op<void> {
  const names = namesOf(run);
  if (!names.length) return;
  const leases = yield* rows<{ id: string }>(sql`
    SELECT DISTINCT l.id FROM concurrency_lease l
    JOIN concurrency_lease_limit k ON k.lease_id = l.id
    JOIN concurrency_limit_v2 c ON c.id = k.limit_id
    WHERE l.holder_id = ${run.id} AND c.name IN (${list(names)})`);
  yield* revokeLeasesOp(
    leases.map((l) => l.id),
    nowTimestamp(),
    settings,
    d,
  );
}
