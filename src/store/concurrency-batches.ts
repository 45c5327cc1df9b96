// Group commit for slot requests on PostgreSQL. There a limit's row lock is held to the COMMIT and its
// fsync, so requests for one limit take turns one commit each, however fast each is. Here the requests
// that arrive while a transaction for their limit is under way wait for it and then go together in the
// next one: as many as fit are granted (one counter write, one multi-row insert of leases and holders),
// the rest denied; releases likewise end many leases with one write per limit. Every answer is still
// given only after its commit, and the decisions are the ones a request alone would get in that order.
// (SQLite needs none of this: its driver already shares one commit among a turn's transactions.)
import type { Driver, Op } from "../db/driver.ts";
import { exec } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { SlotWaits } from "../orchestration/concurrency-slots.ts";
import {
  type AcquireInput,
  type AcquireRefusal,
  type Acquisition,
  assess,
  type DenialTally,
  deny,
  type LimitRow,
  lockLimitsOp,
  writeCountersOp,
} from "./concurrency-slots.ts";
import { addSeconds } from "../core/time.ts";
import type { Fragments } from "./sql.ts";

/** At most this many requests share a transaction (its statements stay a sane size). */
const MAX_BATCH = 256;

/**
 * Requests queued by key; while a transaction for a key runs, new ones wait for the next. `run` gets
 * the batch and answers each request in order.
 */
export function combiner<I, O>(driver: Driver, run: (inputs: I[]) => () => Op<O[]>) {
  const queues = new Map<string, Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }>>();
  const busy = new Set<string>();
  const drain = async (key: string) => {
    busy.add(key);
    try {
      for (;;) {
        const queue = queues.get(key);
        if (!queue?.length) break;
        const batch = queue.splice(0, MAX_BATCH);
        if (!queue.length) queues.delete(key);
        try {
          const out = await driver.tx(run(batch.map((b) => b.input)));
          for (const [i, b] of batch.entries()) b.resolve(out[i]!);
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      busy.delete(key);
    }
  };
  return (key: string, input: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      const queue = queues.get(key) ?? [];
      queue.push({ input, resolve, reject });
      queues.set(key, queue);
      if (!busy.has(key)) void drain(key);
    });
}

/**
 * Requests for the same limits, mode and slot count, decided in arrival order under one lock: the first
 * `room` are granted, the rest denied (or all refused, as one request alone would be).
 */
export function* acquireBatchOp(
  inputs: AcquireInput[],
  now: string,
  waits: SlotWaits,
  tally: DenialTally,
  d: Fragments,
): Op<Array<Acquisition | AcquireRefusal>> {
  const first = inputs[0]!;
  const slots = first.slots;
  const all = yield* lockLimitsOp("name", [...new Set(first.names)], d);
  const a = assess(all, first, now, waits);
  if (a.kind === "refused") return inputs.map(() => ({ refused: a.message }));
  const room = a.active.length
    ? Math.min(...a.active.map((l) => Math.floor((l.limit - l.active_slots) / slots)))
    : inputs.length;
  const k = Math.max(0, Math.min(inputs.length, room));
  const after: LimitRow[] = a.active.map((l) => ({
    ...l,
    active_slots: l.active_slots + k * slots,
    denied_slots: l.denied_slots + (k > 0 ? tally.take(l.id) : 0),
  }));
  if (k > 0) for (const l of after) yield* writeCountersOp(l);
  const minimal = all.map((l) => ({ id: l.id, name: l.name, limit: Number(l.limit) }));
  const leases = inputs
    .slice(0, k)
    .map((input) =>
      input.leaseSeconds !== null && all.length ? { input, id: input.leaseId ?? Bun.randomUUIDv7() } : null,
    );
  const made = leases.filter((l): l is NonNullable<typeof l> => l !== null);
  if (made.length) {
    yield* exec(sql`
      INSERT INTO concurrency_lease (id, created, updated, expiration, slots, holder_type, holder_id)
      VALUES ${sql.join(
        made.map(
          ({ input, id }) =>
            sql`(${id}, ${now}, ${now}, ${addSeconds(now, input.leaseSeconds!)}, ${slots}, ${input.holder?.type ?? null}, ${input.holder?.id ?? null})`,
        ),
        sql`, `,
      )}`);
    if (a.active.length)
      yield* exec(sql`
        INSERT INTO concurrency_lease_limit (lease_id, limit_id)
        VALUES ${sql.join(
          made.flatMap(({ id }) => a.active.map((l) => sql`(${id}, ${l.id})`)),
          sql`, `,
        )}`);
  }
  return inputs.map((_, i) =>
    i < k ? { granted: true, limits: minimal, leaseId: leases[i]?.id ?? null } : deny(after, slots, waits, tally),
  );
}
