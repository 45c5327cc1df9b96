// The lease endpoints every task with tags calls (names "tag:<tag>"). Until concurrency limits can be
// created, no name ever matches a limit, so Prefect's answer is a lease holding nothing: {lease_id,
// limits: []}. Leases are kept in memory with their TTL, as Prefect's default lease storage does.
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { noContent, Uuid } from "./common.ts";

interface Lease {
  names: string[];
  slots: number;
  expires: number;
  holder: unknown;
}

const LeaseDuration = t.Number({ minimum: 60, maximum: 86400 });

export function concurrencyLeasesApi() {
  const leases = new Map<string, Lease>();
  const sweep = () => {
    const now = Date.now();
    for (const [id, l] of leases) if (l.expires < now) leases.delete(id);
  };
  return new Elysia({ name: "api.concurrency-leases", prefix: "/v2/concurrency_limits" })
    .post(
      "/increment-with-lease",
      ({ body }) => {
        sweep();
        const id = crypto.randomUUID();
        leases.set(id, {
          names: body.names,
          slots: body.slots,
          expires: Date.now() + (body.lease_duration ?? 300) * 1000,
          holder: body.holder ?? null,
        });
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
        leases.delete(body.lease_id);
        return noContent();
      },
      { body: t.Object({ lease_id: Uuid }, { additionalProperties: true }) },
    )
    .post(
      "/leases/:id/renew",
      ({ params, body }) => {
        const lease = leases.get(params.id);
        // 410 tells the client its lease is gone (expired or the server restarted).
        if (!lease || lease.expires < Date.now()) throw new AppError("gone", "Lease not found or expired.");
        lease.expires = Date.now() + (body?.lease_duration ?? 300) * 1000;
        return noContent();
      },
      {
        params: t.Object({ id: Uuid }),
        body: t.Optional(t.Object({ lease_duration: t.Optional(LeaseDuration) }, { additionalProperties: true })),
      },
    );
}
