// Taking and giving back slots of concurrency_limit_v2 rows, and the leases that hold them. Every
// operation locks the limit rows it changes (FOR UPDATE in id order on PostgreSQL, so two requests on
// the same limits queue up instead of deadlocking; SQLite's one writer already serialises them), reads
// the counters, asks the pure rules (orchestration/concurrency-slots.ts) and writes the answer together
// with the lease and its holder rows in the same transaction: a slot is never granted twice, and never
// granted without the lease that will give it back.
import { addSeconds, diffSeconds } from "../core/time.ts";
import type { Op } from "../db/driver.ts";
import { exec, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import {
  averageOccupancy,
  decayed,
  fits,
  type LimitCounters,
  retryAfterSeconds,
  type SlotWaits,
} from "../orchestration/concurrency-slots.ts";
import { type Fragments, list } from "./sql.ts";

export interface LimitRow extends LimitCounters {
  id: string;
  created: string;
}

export interface LeaseHolder {
  type: "flow_run" | "task_run" | "deployment";
  id: string;
}

export interface MinimalLimit {
  id: string;
  name: string;
  limit: number;
}

export type Acquisition =
  | { granted: true; limits: MinimalLimit[]; leaseId: string | null }
  | { granted: false; retryAfter: number; blocking: LimitRow[] };

export interface AcquireInput {
  names: string[];
  slots: number;
  mode: "concurrency" | "rate_limit";
  /** Seconds the lease lives; null: no lease (the older /increment, whose caller decrements by name). */
  leaseSeconds: number | null;
  holder: LeaseHolder | null;
  /** The lease's id when the caller chose it already (a deployment lease named in the new state). */
  leaseId?: string;
}

/** Prefect's v1 clients cannot renew leases, so theirs live ~100 years. */
export const V1_LEASE_SECONDS = 100 * 365 * 86_400;

const minimal = (l: LimitRow): MinimalLimit => ({ id: l.id, name: l.name, limit: l.limit });

/** The limits with these names (or ids), locked until the transaction ends. */
export function* lockLimitsOp(where: "name" | "id", values: string[], d: Fragments): Op<LimitRow[]> {
  if (!values.length) return [];
  const column = where === "name" ? sql`name` : sql`id`;
  return yield* rows<LimitRow>(
    sql`SELECT * FROM concurrency_limit_v2 WHERE ${column} IN (${list(values)}) ORDER BY id${d.forUpdate}`,
  );
}

export function* writeCountersOp(l: LimitRow): Op<void> {
  yield* exec(sql`
    UPDATE concurrency_limit_v2 SET active_slots = ${l.active_slots}, denied_slots = ${l.denied_slots},
      avg_slot_occupancy_seconds = ${l.avg_slot_occupancy_seconds}, updated = ${l.updated}
    WHERE id = ${l.id}`);
}

/** Prefect's 422s: more slots than a limit has, or a rate limit on a limit that does not decay. */
export type AcquireRefusal = { refused: string };

/**
 * Denials not yet written to their limit's denied_slots. A denial only steers later Retry-After
 * values, so it is counted here and folded into the next write of that limit (a grant or a release)
 * instead of costing a write and a commit of its own, under the very row lock the holders need to
 * give their slots back.
 */
export class DenialTally {
  private readonly pending = new Map<string, number>();
  add(id: string, slots: number): void {
    this.pending.set(id, (this.pending.get(id) ?? 0) + slots);
    // Bounded: limits are few; a pathological number of them only loses Retry-After precision.
    if (this.pending.size > 10_000) this.pending.delete(this.pending.keys().next().value!);
  }
  peek(id: string): number {
    return this.pending.get(id) ?? 0;
  }
  take(id: string): number {
    const n = this.pending.get(id) ?? 0;
    this.pending.delete(id);
    return n;
  }
}

type Assessment =
  | { kind: "refused"; message: string }
  | { kind: "full"; active: LimitRow[] }
  | { kind: "fits"; active: LimitRow[] };

/** Prefect's checks over the limits named, as of `now`: refused (422), full (423), or it fits. */
export function assess(all: LimitRow[], input: AcquireInput, now: string, waits: SlotWaits): Assessment {
  const active = all.filter((l) => l.active).map((l) => ({ ...l, ...decayed(l, now, waits) }) as LimitRow);
  if (active.some((l) => l.limit < input.slots))
    return { kind: "refused", message: "Slots requested is greater than the limit" };
  const steady = active.filter((l) => l.slot_decay_per_second === 0).map((l) => l.name);
  if (input.mode === "rate_limit" && steady.length) {
    return {
      kind: "refused",
      message: `Only concurrency limits with slot decay can be used for rate limiting. The following limits do not have a decay configured: '${steady.join(",")}'`,
    };
  }
  return fits(active, input.slots) ? { kind: "fits", active } : { kind: "full", active };
}

/** A denial: counted in the tally, and the Retry-After its limits' counters call for. */
export function deny(active: LimitRow[], slots: number, waits: SlotWaits, tally: DenialTally, random = Math.random) {
  for (const l of active) tally.add(l.id, slots);
  const counted = active.map((l) => ({ ...l, denied_slots: l.denied_slots + tally.peek(l.id) }));
  return { granted: false as const, retryAfter: retryAfterSeconds(counted, slots, waits, random), blocking: counted };
}

/**
 * Takes `slots` on every active limit named, all or nothing, with the rows locked. Granted: the counters
 * go up and, when a lease is asked for and some limit matched, a lease holding them is written (no limit
 * matched: no lease, there is nothing to give back). Denied: the denial is tallied.
 */
export function* acquireOp(
  input: AcquireInput,
  now: string,
  waits: SlotWaits,
  d: Fragments,
  tally: DenialTally = new DenialTally(),
): Op<Acquisition | AcquireRefusal> {
  const all = yield* lockLimitsOp("name", [...new Set(input.names)], d);
  const a = assess(all, input, now, waits);
  if (a.kind === "refused") return { refused: a.message };
  if (a.kind === "full") return deny(a.active, input.slots, waits, tally);
  for (const l of a.active)
    yield* writeCountersOp({
      ...l,
      active_slots: l.active_slots + input.slots,
      denied_slots: l.denied_slots + tally.take(l.id),
    });
  let leaseId: string | null = null;
  if (input.leaseSeconds !== null && all.length) {
    leaseId = input.leaseId ?? Bun.randomUUIDv7();
    yield* insertLeaseOp(leaseId, a.active, input.slots, input.leaseSeconds, input.holder, now);
  }
  return { granted: true, limits: all.map(minimal), leaseId };
}

/** A lease of `slots` on these limits; its holder rows are written with it. */
export function* insertLeaseOp(
  id: string,
  limits: Array<{ id: string }>,
  slots: number,
  seconds: number,
  holder: LeaseHolder | null,
  now: string,
): Op<void> {
  yield* exec(sql`
    INSERT INTO concurrency_lease (id, created, updated, expiration, slots, holder_type, holder_id)
    VALUES (${id}, ${now}, ${now}, ${addSeconds(now, seconds)}, ${slots}, ${holder?.type ?? null}, ${holder?.id ?? null})`);
  if (!limits.length) return;
  yield* exec(sql`
    INSERT INTO concurrency_lease_limit (lease_id, limit_id)
    VALUES ${sql.join(
      limits.map((l) => sql`(${id}, ${l.id})`),
      sql`, `,
    )}`);
}

/**
 * Gives `slots` back on the active limits among `limits` (already locked), recording how long they
 * were held in the limit's average occupancy.
 */
export function* releaseSlotsOp(
  limits: LimitRow[],
  slots: number,
  occupancySeconds: number | null,
  now: string,
  waits: SlotWaits,
  tally?: DenialTally,
): Op<LimitRow[]> {
  const written: LimitRow[] = [];
  for (const l of limits) {
    if (!l.active) continue;
    const c = decayed(l, now, waits);
    const next = {
      ...l,
      ...c,
      denied_slots: c.denied_slots + (tally?.take(l.id) ?? 0),
      active_slots: Math.max(0, c.active_slots - slots),
      avg_slot_occupancy_seconds: averageOccupancy(c, slots, occupancySeconds),
    };
    yield* writeCountersOp(next);
    written.push(next);
  }
  return written;
}

interface LeaseRow {
  id: string;
  created: string;
  expiration: string;
  slots: number;
}

/**
 * Ends leases and gives back their slots: `ids` are locked first, then their limits (in id order), the
 * same order every path takes. `onlyExpired` leaves a lease renewed in the meantime alone (the
 * repossessor). Returns how many leases were ended.
 */
export function* revokeLeasesOp(
  ids: string[],
  now: string,
  waits: SlotWaits,
  d: Fragments,
  opts: { onlyExpired?: boolean; skipLimit?: string; tally?: DenialTally } = {},
): Op<number> {
  return (yield* revokeLeaseSetOp(ids, now, waits, d, opts)).size;
}

/**
 * The same, answering which of `ids` were ended. The leases go before their limits are locked, and each
 * limit is written once however many of its leases end, so a batch of releases holds a limit's row
 * lock for one read and one write.
 */
export function* revokeLeaseSetOp(
  ids: string[],
  now: string,
  waits: SlotWaits,
  d: Fragments,
  opts: { onlyExpired?: boolean; skipLimit?: string; tally?: DenialTally } = {},
): Op<Set<string>> {
  if (!ids.length) return new Set();
  const expired = opts.onlyExpired ? sql` AND expiration < ${now}` : sql``;
  const leases = yield* rows<LeaseRow>(sql`
    SELECT id, created, expiration, slots FROM concurrency_lease
    WHERE id IN (${list([...new Set(ids)])})${expired} ORDER BY id${d.forUpdate}`);
  if (!leases.length) return new Set();
  const leaseIds = leases.map((l) => l.id);
  const links = yield* rows<{ lease_id: string; limit_id: string }>(sql`
    SELECT lease_id, limit_id FROM concurrency_lease_limit WHERE lease_id IN (${list(leaseIds)})`);
  yield* exec(sql`DELETE FROM concurrency_lease WHERE id IN (${list(leaseIds)})`);
  const limitIds = [...new Set(links.map((l) => l.limit_id).filter((id) => id !== opts.skipLimit))];
  const limits = new Map((yield* lockLimitsOp("id", limitIds, d)).map((l) => [l.id, l] as const));
  const changed = new Set<string>();
  for (const lease of leases) {
    const occupancy = diffSeconds(now, lease.created);
    for (const k of links) {
      const l = k.lease_id === lease.id ? limits.get(k.limit_id) : undefined;
      if (!l?.active || k.limit_id === opts.skipLimit) continue;
      const c = decayed(l, now, waits);
      limits.set(l.id, {
        ...l,
        ...c,
        active_slots: Math.max(0, c.active_slots - Number(lease.slots)),
        avg_slot_occupancy_seconds: averageOccupancy(c, Number(lease.slots), occupancy),
      });
      changed.add(l.id);
    }
  }
  for (const id of changed) {
    const l = limits.get(id)!;
    yield* writeCountersOp({ ...l, denied_slots: l.denied_slots + (opts.tally?.take(id) ?? 0) });
  }
  return new Set(leaseIds);
}

/** Ids of the leases holding a slot of this limit. */
export function* leasesOfLimitOp(limitId: string): Op<string[]> {
  const rs = yield* rows<{ lease_id: string }>(
    sql`SELECT lease_id FROM concurrency_lease_limit WHERE limit_id = ${limitId} ORDER BY lease_id`,
  );
  return rs.map((r) => r.lease_id);
}

export interface Holder {
  lease_id: string;
  slots: number;
  expiration: string;
  created: string;
  holder: LeaseHolder | null;
}

/** The unexpired leases holding each of these limits, oldest first. */
export function* holdersOp(limitIds: string[], now: string): Op<Map<string, Holder[]>> {
  const out = new Map<string, Holder[]>(limitIds.map((id) => [id, []]));
  if (!limitIds.length) return out;
  const rs = yield* rows<{
    limit_id: string;
    id: string;
    slots: number;
    expiration: string;
    created: string;
    holder_type: string | null;
    holder_id: string | null;
  }>(sql`
    SELECT k.limit_id, l.id, l.slots, l.expiration, l.created, l.holder_type, l.holder_id
    FROM concurrency_lease_limit k JOIN concurrency_lease l ON l.id = k.lease_id
    WHERE k.limit_id IN (${list(limitIds)}) AND l.expiration > ${now} ORDER BY l.created, l.id`);
  for (const r of rs) {
    out.get(r.limit_id)!.push({
      lease_id: r.id,
      slots: Number(r.slots),
      expiration: r.expiration,
      created: r.created,
      holder: r.holder_type && r.holder_id ? ({ type: r.holder_type, id: r.holder_id } as LeaseHolder) : null,
    });
  }
  return out;
}
