// /api/v2/concurrency_limits: global limits (create, read by id or name, filter, update, delete) and
// their slots: increment and decrement by name, the lease variants every tagged task run and every
// concurrency() block calls, and lease renewal. A full limit answers 423 with Retry-After (the SDK
// sleeps that long and asks again); an unknown or expired lease's renewal answers 410, which tells the
// SDK its slot is gone.
import { Elysia, t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import {
  DecrementModel,
  DecrementWithLeaseModel,
  IncrementModel,
  IncrementWithLeaseModel,
  LimitsPageModel,
  LimitV2CreateModel,
  LimitV2UpdateModel,
  RenewLeaseModel,
} from "../schemas/concurrency-limits.ts";
import type { ConcurrencyLimitsV2Store } from "../store/concurrency-limits-v2.ts";
import type { AcquireInput } from "../store/concurrency-slots.ts";
import { checkName, json, noContent, objectBody, pageOf, Uuid } from "./common.ts";

const DEFAULT_LEASE_SECONDS = 300;
const limitNotFound = () => new AppError("not_found", "Concurrency Limit not found");

/** Path segments arrive URL-encoded ("tag%3Adb"). */
const segment = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Takes the slots or throws Prefect's 422 / 423 (with the Retry-After the SDK sleeps). */
export async function acquireOrThrow(limits: ConcurrencyLimitsV2Store, input: AcquireInput) {
  const out = await limits.acquire(input);
  if ("refused" in out) throw invalid(out.refused);
  if (!out.granted) throw new AppError("locked", "Locked", { retryAfterSeconds: out.retryAfter });
  return out;
}

export function concurrencyLimitsV2Api(deps: { limits: ConcurrencyLimitsV2Store; maxLimit: number }) {
  const { limits, maxLimit } = deps;
  return new Elysia({ name: "api.concurrency-limits-v2", prefix: "/v2/concurrency_limits" })
    .post("/", async ({ body }) => json(await limits.create({ ...body, name: checkName(body.name) }), 201), {
      body: LimitV2CreateModel,
    })
    .post("/filter", ({ body }) => limits.filter(pageOf(objectBody(body), maxLimit)), { body: LimitsPageModel })
    .post(
      "/increment",
      async ({ body }) => {
        const out = await acquireOrThrow(limits, {
          names: body.names,
          slots: body.slots,
          mode: body.mode ?? "concurrency",
          leaseSeconds: null,
          holder: null,
        });
        return out.limits;
      },
      { body: IncrementModel },
    )
    .post(
      "/increment-with-lease",
      async ({ body }) => {
        const out = await acquireOrThrow(limits, {
          names: body.names,
          slots: body.slots,
          mode: body.mode ?? "concurrency",
          leaseSeconds: body.lease_duration ?? DEFAULT_LEASE_SECONDS,
          holder: body.holder ? { type: body.holder.type, id: body.holder.id.toLowerCase() } : null,
        });
        // No limit matched: nothing is held, so the lease is only a name (renewing it answers 410, and
        // the SDK never renews a lease that holds no limit).
        return { lease_id: out.leaseId ?? Bun.randomUUIDv7(), limits: out.limits };
      },
      { body: IncrementWithLeaseModel },
    )
    .post("/decrement", ({ body }) => limits.release(body.names, body.slots, body.occupancy_seconds ?? null), {
      body: DecrementModel,
    })
    .post(
      "/decrement-with-lease",
      async ({ body }) => {
        await limits.releaseLease(body.lease_id.toLowerCase());
        return noContent();
      },
      { body: DecrementWithLeaseModel },
    )
    .post(
      "/leases/:id/renew",
      async ({ params, body }) => {
        const seconds = body?.lease_duration ?? DEFAULT_LEASE_SECONDS;
        if (!(await limits.renewLease(params.id.toLowerCase(), seconds)))
          throw new AppError("gone", "Lease not found - it may have expired or been revoked");
        return noContent();
      },
      { params: t.Object({ id: Uuid }), body: RenewLeaseModel },
    )
    .get(
      "/:id_or_name",
      async ({ params }) => (await limits.get(segment(params.id_or_name))) ?? Promise.reject(limitNotFound()),
    )
    .patch(
      "/:id_or_name",
      async ({ params, body }) => {
        if (body.name) checkName(body.name);
        if (!(await limits.update(segment(params.id_or_name), body))) throw limitNotFound();
        return noContent();
      },
      { body: LimitV2UpdateModel },
    )
    .delete("/:id_or_name", async ({ params }) => {
      if (!(await limits.delete(segment(params.id_or_name)))) throw limitNotFound();
      return noContent();
    });
}
