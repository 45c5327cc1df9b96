// Tag (v1) concurrency limits, as Prefect 3 keeps them: an adapter over the global limit named
// "tag:<tag>". A tag limit's active_slots are the task runs holding an unexpired lease on it. The v1
// increment takes a slot under a lease that never needs renewing (v1 clients cannot renew) and the v1
// decrement ends the task run's leases on those tags.
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { decayed, fits, type SlotWaits } from "../orchestration/concurrency-slots.ts";
import {
  holdersOp,
  insertLeaseOp,
  type LimitRow,
  leasesOfLimitOp,
  lockLimitsOp,
  type MinimalLimit,
  revokeLeasesOp,
  V1_LEASE_SECONDS,
} from "./concurrency-slots.ts";
import type { Page } from "./page.ts";
import { fragmentsFor, list } from "./sql.ts";

export const TAG_PREFIX = "tag:";
export const tagLimitName = (tag: string) => `${TAG_PREFIX}${tag}`;

/** Prefect's ConcurrencyLimit (v1): the tag, its limit and the task runs holding a slot. */
export function tagLimitJson(r: LimitRow, holders: string[]) {
  return {
    id: r.id,
    created: r.created,
    updated: r.updated,
    tag: r.name.slice(TAG_PREFIX.length),
    concurrency_limit: Number(r.limit),
    active_slots: holders,
  };
}

export type TagLimitJson = ReturnType<typeof tagLimitJson>;

/** Why a v1 increment was refused: a limit of 0 would deadlock, a full one tells the client to wait. */
export type TagRefusal = { zero: string } | { full: string; retryAfter: number };

export function concurrencyLimitsStore(driver: Driver, waits: SlotWaits) {
  const d = fragmentsFor(driver.dialect);

  function* jsonOp(rs: LimitRow[], now: string): Op<TagLimitJson[]> {
    const holders = yield* holdersOp(
      rs.map((r) => r.id),
      now,
    );
    return rs.map((r) =>
      tagLimitJson(
        r,
        (holders.get(r.id) ?? []).filter((h) => h.holder?.type === "task_run").map((h) => h.holder!.id),
      ),
    );
  }

  function* oneOp(where: ReturnType<typeof sql>): Op<TagLimitJson | null> {
    const r = yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${where}`);
    return r ? (yield* jsonOp([r], nowTimestamp()))[0]! : null;
  }

  return {
    /** Creates the tag's limit or changes its limit (Prefect's upsert); `created` says which. */
    create(tag: string, limit: number): Promise<{ limit: TagLimitJson; created: boolean }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const [existing] = yield* lockLimitsOp("name", [tagLimitName(tag)], d);
        let r: LimitRow;
        if (existing) {
          yield* exec(
            sql`UPDATE concurrency_limit_v2 SET "limit" = ${limit}, updated = ${now} WHERE id = ${existing.id}`,
          );
          r = { ...existing, limit, updated: now };
        } else {
          r = (yield* row<LimitRow>(sql`
            INSERT INTO concurrency_limit_v2 (id, created, updated, active, name, "limit")
            VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${true}, ${tagLimitName(tag)}, ${limit}) RETURNING *`))!;
        }
        return { limit: (yield* jsonOp([r], now))[0]!, created: !existing };
      });
    },

    getById(id: string): Promise<TagLimitJson | null> {
      return driver.read(() => oneOp(sql`id = ${id} AND substr(name, 1, 4) = ${TAG_PREFIX}`));
    },

    getByTag(tag: string): Promise<TagLimitJson | null> {
      return driver.read(() => oneOp(sql`name = ${tagLimitName(tag)}`));
    },

    filter(page: Pick<Page, "limit" | "offset">): Promise<TagLimitJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<LimitRow>(sql`
          SELECT * FROM concurrency_limit_v2 WHERE substr(name, 1, 4) = ${TAG_PREFIX}
          ORDER BY name LIMIT ${page.limit} OFFSET ${page.offset}`);
        return yield* jsonOp(rs, nowTimestamp());
      });
    },

    /**
     * Ends every lease on the tag's limit (their slots on other limits come back too) and, for each
     * task run in `override`, takes one slot under a lease of its own. False when the tag has no limit.
     */
    reset(tag: string, override: string[]): Promise<boolean> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const [found] = yield* lockLimitsOp("name", [tagLimitName(tag)], d);
        if (!found) return false;
        yield* revokeLeasesOp(yield* leasesOfLimitOp(found.id), now, waits, d, { skipLimit: found.id });
        const ids = [...new Set(override.map((id) => id.toLowerCase()))];
        yield* exec(
          sql`UPDATE concurrency_limit_v2 SET active_slots = ${ids.length}, updated = ${now} WHERE id = ${found.id}`,
        );
        for (const taskRunId of ids)
          yield* insertLeaseOp(
            Bun.randomUUIDv7(),
            [found],
            1,
            V1_LEASE_SECONDS,
            { type: "task_run", id: taskRunId },
            now,
          );
        return true;
      });
    },

    /** Deletes the limit with this id (any limit, as Prefect's v1 route does) or the tag's limit. */
    delete(by: { id: string } | { tag: string }): Promise<boolean> {
      return driver.tx(function* () {
        const where = "id" in by ? sql`id = ${by.id}` : sql`name = ${tagLimitName(by.tag)}`;
        const found = yield* row<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE ${where}`);
        if (!found) return false;
        yield* revokeLeasesOp(yield* leasesOfLimitOp(found.id), nowTimestamp(), waits, d, { skipLimit: found.id });
        return (yield* exec(sql`DELETE FROM concurrency_limit_v2 WHERE id = ${found.id}`)) > 0;
      });
    },

    /** The v1 increment: one slot on every tag's active limit for this task run, all or nothing. */
    increment(tags: string[], taskRunId: string): Promise<MinimalLimit[] | TagRefusal> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const limits = yield* lockLimitsOp("name", [...new Set(tags)].map(tagLimitName), d);
        const zero = limits.find((l) => Number(l.limit) === 0);
        if (zero) return { zero: zero.name.slice(TAG_PREFIX.length) };
        const active = limits.filter((l) => l.active).map((l) => ({ ...l, ...decayed(l, now, waits) }) as LimitRow);
        if (!fits(active, 1)) {
          const full = active.find((l) => l.active_slots + 1 > l.limit)!;
          return { full: full.name.slice(TAG_PREFIX.length), retryAfter: waits.tagSlotWaitSeconds };
        }
        if (!active.length) return [];
        for (const l of active) {
          yield* exec(sql`
            UPDATE concurrency_limit_v2 SET active_slots = ${l.active_slots + 1}, denied_slots = ${l.denied_slots},
              updated = ${l.updated} WHERE id = ${l.id}`);
        }
        yield* insertLeaseOp(Bun.randomUUIDv7(), active, 1, V1_LEASE_SECONDS, { type: "task_run", id: taskRunId }, now);
        return active.map((l) => ({ id: l.id, name: l.name.slice(TAG_PREFIX.length), limit: Number(l.limit) }));
      });
    },

    /** The v1 decrement: ends the task run's leases on these tags' limits; the limits found. */
    decrement(tags: string[], taskRunId: string): Promise<MinimalLimit[]> {
      return driver.tx(function* () {
        const names = [...new Set(tags)].map(tagLimitName);
        if (!names.length) return [];
        const limits = yield* rows<LimitRow>(sql`SELECT * FROM concurrency_limit_v2 WHERE name IN (${list(names)})`);
        if (!limits.length) return [];
        const leases = yield* rows<{ id: string }>(sql`
          SELECT DISTINCT l.id FROM concurrency_lease l JOIN concurrency_lease_limit k ON k.lease_id = l.id
          WHERE l.holder_id = ${taskRunId} AND k.limit_id IN (${list(limits.map((l) => l.id))})`);
        yield* revokeLeasesOp(
          leases.map((l) => l.id),
          nowTimestamp(),
          waits,
          d,
        );
        return limits.map((l) => ({ id: l.id, name: l.name, limit: Number(l.limit) }));
      });
    },
  };
}

export type ConcurrencyLimitsStore = ReturnType<typeof concurrencyLimitsStore>;
