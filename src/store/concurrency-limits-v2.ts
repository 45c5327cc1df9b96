// Global (v2) concurrency limits: create, read by id or name, list, update, delete; taking and giving
// back slots with or without a lease; renewing leases; the repossessor's pass over expired ones; and the
// holders of each limit (the unexpired leases, read from their rows rather than from the counter).
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { decayed, type SlotWaits } from "../orchestration/concurrency-slots.ts";
import type { LimitV2Input, LimitV2Patch } from "../schemas/concurrency-limits.ts";
import {
  type AcquireInput,
  type AcquireRefusal,
  type Acquisition,
  acquireOp,
  assess,
  DenialTally,
  deny,
  type Holder,
  holdersOp,
  type LimitRow,
  leasesOfLimitOp,
  lockLimitsOp,
  type MinimalLimit,
  releaseSlotsOp,
  revokeLeaseSetOp,
  revokeLeasesOp,
} from "./concurrency-slots.ts";
import { acquireBatchOp, combiner } from "./concurrency-batches.ts";
import type { Page } from "./page.ts";
import { fragmentsFor, list, raw } from "./sql.ts";
import { isUuid } from "../core/uuid.ts";

/** Prefect's ConcurrencyLimitV2 (what create answers). */
export function limitV2Json(r: LimitRow) {
  return {
    id: r.id,
    created: r.created,
    updated: r.updated,
    active: Boolean(r.active),
    name: r.name,
    limit: Number(r.limit),
    active_slots: Number(r.active_slots),
    denied_slots: Number(r.denied_slots),
    slot_decay_per_second: Number(r.slot_decay_per_second),
    avg_slot_occupancy_seconds: Number(r.avg_slot_occupancy_seconds),
  };
}

/** Prefect's GlobalConcurrencyLimitResponse: active slots as of now (rate limits decay between writes). */
export function globalLimitJson(r: LimitRow, now: string, waits: SlotWaits) {
  return {
    id: r.id,
    created: r.created,
    updated: r.updated,
    active: Boolean(r.active),
    name: r.name,
    limit: Number(r.limit),
    active_slots: decayed(r, now, waits).active_slots,
    slot_decay_per_second: Number(r.slot_decay_per_second),
  };
}

export type LimitV2Json = ReturnType<typeof limitV2Json>;
export type GlobalLimitJson = ReturnType<typeof globalLimitJson>;

/** A path segment that parses as a UUID names an id, anything else a name (Prefect's id_or_name). */
export const byIdOrName = (idOrName: string) =>
  isUuid(idOrName) ? sql`id = ${idOrName.toLowerCase()}` : sql`name = ${idOrName}`;

export function concurrencyLimitsV2Store(driver: Driver, waits: SlotWaits) {
  const d = fragmentsFor(driver.dialect);
  const tally = new DenialTally();
  // PostgreSQL: requests for the same limits share a transaction (store/concurrency-batches.ts).
  const acquireTogether = combiner<AcquireInput, Acquisition | AcquireRefusal>(
    driver,
    (inputs) => () => acquireBatchOp(inputs, nowTimestamp(), waits, tally, d),
  );
  const releaseTogether = combiner<string, boolean>(
    driver,
    (ids) =>
      function* () {
        const ended = yield* revokeLeaseSetOp(ids, nowTimestamp(), waits, d, { tally });
        return ids.map((id) => ended.has(id));
      },
  );

  function* lockedOne(idOrName: string): Op<LimitRow | undefined> {
    return yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${byIdOrName(idOrName)}${d.forUpdate}`);
  }

  return {
    waits,

    create(input: LimitV2Input): Promise<LimitV2Json> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const r = yield* row<LimitRow>(sql`
          INSERT INTO concurrency_limit_v2
            (id, created, updated, active, name, "limit", active_slots, denied_slots, slot_decay_per_second)
          VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${input.active ?? true}, ${input.name}, ${input.limit},
            ${input.active_slots ?? 0}, ${input.denied_slots ?? 0}, ${input.slot_decay_per_second ?? 0})
          RETURNING *`);
        return limitV2Json(r!);
      });
    },

    get(idOrName: string): Promise<GlobalLimitJson | null> {
      return driver.read(function* () {
        const r = yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${byIdOrName(idOrName)}`);
        return r ? globalLimitJson(r, nowTimestamp(), waits) : null;
      });
    },

    /** The limit row itself (the v1 adapter and the dashboard). */
    row(idOrName: string): Promise<LimitRow | null> {
      return driver.read(function* () {
        return (yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${byIdOrName(idOrName)}`)) ?? null;
      });
    },

    filter(page: Pick<Page, "limit" | "offset">): Promise<GlobalLimitJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<LimitRow>(sql`
          SELECT * FROM concurrency_limit_v2 ORDER BY name LIMIT ${page.limit} OFFSET ${page.offset}`);
        const now = nowTimestamp();
        return rs.map((r) => globalLimitJson(r, now, waits));
      });
    },

    /** False when no limit has this id or name. */
    update(idOrName: string, patch: LimitV2Patch): Promise<boolean> {
      return driver.tx(function* () {
        const current = yield* lockedOne(idOrName);
        if (!current) return false;
        const now = nowTimestamp();
        const sets = [sql`updated = ${now}`];
        for (const key of ["active", "name", "limit", "active_slots", "denied_slots", "slot_decay_per_second"] as const)
          if (patch[key] !== undefined && patch[key] !== null) sets.push(sql`${raw(`"${key}"`)} = ${patch[key]}`);
        yield* exec(sql`UPDATE concurrency_limit_v2 SET ${sql.join(sets, sql`, `)} WHERE id = ${current.id}`);
        return true;
      });
    },

    /** Deletes the limit; leases holding it end, giving back what they held on other limits. */
    delete(idOrName: string): Promise<LimitRow | null> {
      return driver.tx(function* () {
        const found = yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${byIdOrName(idOrName)}`);
        if (!found) return null;
        yield* revokeLeasesOp(yield* leasesOfLimitOp(found.id), nowTimestamp(), waits, d, { skipLimit: found.id });
        const gone = yield* exec(sql`DELETE FROM concurrency_limit_v2 WHERE id = ${found.id}`);
        return gone ? found : null;
      });
    },

    /**
     * Takes the slots. A limit already full at the last commit is refused from a plain read, with no
     * lock and no write: under contention most requests are denials, and making each one wait for the
     * row lock (and a commit) would starve the holders' releases. Only a request that may fit takes the
     * locked path, which decides again, so nothing is ever granted from the unlocked read.
     */
    async acquire(input: AcquireInput): Promise<Acquisition | AcquireRefusal> {
      const names = [...new Set(input.names)];
      const seen = await driver.read(() =>
        rows<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE name IN (${list(names)})`),
      );
      const quick = assess(seen, input, nowTimestamp(), waits);
      if (quick.kind === "refused") return { refused: quick.message };
      if (quick.kind === "full") return deny(quick.active, input.slots, waits, tally);
      if (driver.dialect === "pg")
        return acquireTogether(`${input.mode}\u0000${input.slots}\u0000${names.sort().join("\u0000")}`, input);
      return driver.tx(() => acquireOp(input, nowTimestamp(), waits, d, tally));
    },

    /** The older /decrement: gives slots back by name; the limits found (none: nothing done). */
    release(names: string[], slots: number, occupancySeconds: number | null): Promise<MinimalLimit[]> {
      return driver.tx(function* () {
        const limits = yield* lockLimitsOp("name", [...new Set(names)], d);
        yield* releaseSlotsOp(limits, slots, occupancySeconds, nowTimestamp(), waits, tally);
        return limits.map((l) => ({ id: l.id, name: l.name, limit: Number(l.limit) }));
      });
    },

    /** Ends a lease and gives its slots back; false when there is no such lease (already released). */
    releaseLease(leaseId: string): Promise<boolean> {
      if (driver.dialect === "pg") return releaseTogether("release", leaseId);
      return driver.tx(function* () {
        return (yield* revokeLeasesOp([leaseId], nowTimestamp(), waits, d, { tally })) > 0;
      });
    },

    /** Extends an unexpired lease; false when it is unknown, expired or revoked. */
    renewLease(leaseId: string, seconds: number): Promise<boolean> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const n = yield* exec(sql`
          UPDATE concurrency_lease SET expiration = ${addSeconds(now, seconds)}, updated = ${now}
          WHERE id = ${leaseId} AND expiration > ${now}`);
        return n > 0;
      });
    },

    /**
     * The repossessor's pass: ends up to `batch` leases past their expiry and frees their slots. Leases
     * another transaction has locked (being released or renewed) are left for the next pass.
     */
    repossess(batch = 100): Promise<number> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const ids = yield* rows<{ id: string }>(sql`
          SELECT id FROM concurrency_lease WHERE expiration < ${now} ORDER BY expiration LIMIT ${batch}${d.skipLocked}`);
        return yield* revokeLeasesOp(
          ids.map((r) => r.id),
          now,
          waits,
          d,
          { onlyExpired: true },
        );
      });
    },

    /** The unexpired leases holding each limit. */
    holders(limitIds: string[]): Promise<Map<string, Holder[]>> {
      return driver.read(() => holdersOp(limitIds, nowTimestamp()));
    },
  };
}

export type ConcurrencyLimitsV2Store = ReturnType<typeof concurrencyLimitsV2Store>;
