// The arithmetic of global concurrency limits, as Prefect's models/concurrency_limits_v2.py has it, with no
// I/O: slots decaying at slot_decay_per_second (rate limits), denied slots decaying back, the running
// average of how long a slot is held, and the Retry-After a denied client is given. The store reads the
// locked limit rows, asks these functions, and writes what they answer in the same transaction.
import { addSeconds, diffSeconds } from "../core/time.ts";
import { clampedPoissonInterval } from "./rules/jitter.ts";

/** The columns of a concurrency_limit_v2 row these rules read. */
export interface LimitCounters {
  name: string;
  active: boolean;
  limit: number;
  active_slots: number;
  denied_slots: number;
  slot_decay_per_second: number;
  avg_slot_occupancy_seconds: number;
  /** When the counters were last exact: the reference point of the decay. */
  updated: string;
}

/** How long denied clients may be told to wait, per kind of limit (server settings). */
export interface SlotWaits {
  maximumSlotWaitSeconds: number;
  tagSlotWaitSeconds: number;
}

/** Prefect's floor on the average occupancy, so the denied-slot decay rate never divides by zero. */
const MINIMUM_OCCUPANCY_SECONDS_PER_SLOT = 0.1;
/** The average occupancy is a moving average over limit × this many releases. */
const OCCUPANCY_SAMPLES_MULTIPLIER = 2;

const maxWaitOf = (l: LimitCounters, w: SlotWaits) =>
  l.name.startsWith("tag:") ? w.tagSlotWaitSeconds : w.maximumSlotWaitSeconds;

/**
 * The counters as of `now`: active slots decay at slot_decay_per_second; denied slots at the same rate
 * for rate limits, else at one per (clamped) average occupancy. Whole slots only, as Prefect's floor().
 * Prefect restarts the decay clock at every update, so a rate limit polled faster than it decays never
 * decays; here the clock moves on only by the time the whole slots took, and the fraction carries over.
 */
export function decayed(l: LimitCounters, now: string, w: SlotWaits): LimitCounters {
  const elapsed = Math.max(0, diffSeconds(now, l.updated));
  if (l.slot_decay_per_second > 0) {
    const gone = Math.floor(l.slot_decay_per_second * elapsed);
    const active = Math.max(0, l.active_slots - gone);
    const denied = Math.max(0, l.denied_slots - gone);
    // While slots remain to decay, the unspent fraction of a slot's time carries over; an empty limit
    // starts its clock afresh (a slot taken now decays from now).
    const updated = active === 0 ? now : gone === 0 ? l.updated : addSeconds(l.updated, gone / l.slot_decay_per_second);
    return { ...l, active_slots: active, denied_slots: denied, updated };
  }
  const occupancy = Math.max(
    MINIMUM_OCCUPANCY_SECONDS_PER_SLOT,
    Math.min(l.avg_slot_occupancy_seconds, maxWaitOf(l, w)),
  );
  const gone = Math.floor(elapsed / occupancy);
  return { ...l, denied_slots: Math.max(0, l.denied_slots - gone), updated: now };
}

/** Whether `slots` more fit on every one of these (already decayed) active limits. */
export const fits = (limits: LimitCounters[], slots: number) => limits.every((l) => l.active_slots + slots <= l.limit);

/** The new average occupancy after a release of `slots` held `seconds` (Prefect's weighted average). */
export function averageOccupancy(l: LimitCounters, slots: number, seconds: number | null): number {
  if (!seconds || seconds <= 0 || slots <= 0 || l.limit <= 0) return l.avg_slot_occupancy_seconds;
  const perSlot = Math.max(seconds / slots, MINIMUM_OCCUPANCY_SECONDS_PER_SLOT);
  const samples = l.limit * OCCUPANCY_SAMPLES_MULTIPLIER;
  return l.avg_slot_occupancy_seconds + perSlot / samples - l.avg_slot_occupancy_seconds / samples;
}

/**
 * Seconds a denied client should wait (the 423's Retry-After): set by the limit that blocks most, from
 * its decay rate, or from its average occupancy capped at the wait allowed for its kind; jittered as
 * Prefect's clamped_poisson_interval does so that denied clients do not all come back at once.
 * `limits` are the active limits after the denial was counted.
 */
export function retryAfterSeconds(limits: LimitCounters[], slots: number, w: SlotWaits, random = Math.random): number {
  const blocking = (l: LimitCounters) =>
    l.slot_decay_per_second > 0 ? slots + l.denied_slots : (slots + l.denied_slots) / Math.max(l.limit, 1);
  let worst = limits[0]!;
  for (const l of limits) if (blocking(l) > blocking(worst)) worst = l;
  let average: number;
  if (worst.slot_decay_per_second > 0) average = (1 / worst.slot_decay_per_second) * blocking(worst);
  else {
    const maxWait = maxWaitOf(worst, w);
    average = Math.min(Math.min(worst.avg_slot_occupancy_seconds, maxWait) * blocking(worst), maxWait);
  }
  return clampedPoissonInterval(average, 0.3, random);
}
