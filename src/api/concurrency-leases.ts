// The lease endpoints every task with tags calls (names "tag:<tag>"). Until concurrency limits can be
// created, no name ever matches a limit, so Prefect's answer is a lease holding nothing: {lease_id,
// limits: []}. Leases are kept in memory with their TTL, as Prefect's default lease storage does (the
// concurrency-limits issue moves them to the database).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { noContent, Uuid } from "./common.ts";

/**
 * A lease holds nothing yet, so only its expiry is kept. Anyone may take leases, so at most MAX_LEASES
 * live at once (the oldest go first, as with CSRF tokens in csrf.ts) and expired ones are swept at most
 * once a second, so a request does constant work however many there are.
 */
export const MAX_LEASES = 50_000;
const SWEEP_EVERY_MS = 1000;

export class LeaseTable {
  private readonly expiries = new Map<string, number>();
  private lastSweep = 0;
  constructor(private readonly max = MAX_LEASES) {}

  get size(): number {
    return this.expiries.size;
  }

  add(id: string, expires: number, now = Date.now()): void {
    this.sweep(now);
    this.expiries.set(id, expires);
    if (this.expiries.size > this.max) this.expiries.delete(this.expiries.keys().next().value!);
  }

  /** Extends a live lease; false when it is unknown or expired. */
  renew(id: string, expires: number, now = Date.now()): boolean {
    const current = this.expiries.get(id);
    if (current === undefined || current < now) return false;
    this.expiries.set(id, expires);
    return true;
  }

  release(id: string): void {
    this.expiries.delete(id);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [id, expires] of this.expiries) if (expires < now) this.expiries.delete(id);
  }
}

const LeaseDuration = t.Number({ minimum: 60, maximum: 86400 });

export function concurrencyLeasesApi(leases = new LeaseTable()) {
  return new Elysia({ name: "api.concurrency-leases", prefix: "/v2/concurrency_limits" })
    .post(
      "/increment-with-lease",
      ({ body }) => {
        const id = crypto.randomUUID();
        leases.add(id, Date.now() + (body.lease_duration ?? 300) * 1000);
        return { lease_id: id, limits: [] };
      },
      {
        body: t.Object(
          {
            names: t.Array(t.String(), { minItems: 1 }),
            slots: t.Integer({ exclusiveMinimum: 0 }),
            mode: t.Optional(t.UnionEnum(["concurrency", "rate_limit"])),
            lease_duration: t.Optional(LeaseDuration),
            holder: t.Optional(t.Any()),
          },
          { additionalProperties: true },
        ),
      },
    )
    .post(
      "/decrement-with-lease",
      ({ body }) => {
        leases.release(body.lease_id);
        return noContent();
      },
      { body: t.Object({ lease_id: Uuid }, { additionalProperties: true }) },
    )
    .post(
      "/leases/:id/renew",
      ({ params, body }) => {
        // 410 tells the client its lease is gone (expired or the server restarted).
        if (!leases.renew(params.id, Date.now() + (body?.lease_duration ?? 300) * 1000)) {
          throw new AppError("gone", "Lease not found or expired.");
        }
        return noContent();
      },
      {
        params: t.Object({ id: Uuid }),
        body: t.Optional(t.Object({ lease_duration: t.Optional(LeaseDuration) }, { additionalProperties: true })),
      },
    );
}
