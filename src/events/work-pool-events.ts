// The prefect.work-pool.* and prefect.work-queue.* events the server emits (Prefect's models/events.py):
// created, updated (with the changed fields), deleted, and the status changes ready / not-ready / paused.
// A pool's status events chain through `follows` when they come close together; a queue's events name
// its pool as related.
import type { ReceivedEvent } from "./bus.ts";

/** What the events name of a pool and a queue (the stores' JSON has these fields). */
export interface PoolRef {
  id: string;
  name: string;
  type: string;
}
interface WorkPoolJson extends PoolRef {
  status: string | null;
  default_queue_id: string | null;
}
interface WorkQueueJson {
  id: string;
  name: string;
  status: string | null;
}

export type ChangeKind = "created" | "updated" | "deleted";
type Updates = Record<string, { from: unknown; to: unknown }>;

/** The fields whose change Prefect announces as prefect.work-pool.updated / work-queue.updated. */
export const POOL_EVENT_FIELDS = ["description", "base_job_template", "concurrency_limit", "storage_configuration"];
export const QUEUE_EVENT_FIELDS = ["name", "description", "concurrency_limit", "priority"];

const kebab = (status: string) => status.toLowerCase().replace(/_/g, "-");

export function changedFields(before: object | null, after: object, fields: string[]): Updates {
  const updates: Updates = {};
  if (!before) return updates;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of fields)
    if (JSON.stringify(b[key] ?? null) !== JSON.stringify(a[key] ?? null))
      updates[key] = { from: b[key] ?? null, to: a[key] ?? null };
  return updates;
}

const poolResource = (pool: PoolRef) => ({
  "prefect.resource.id": `prefect.work-pool.${pool.id}`,
  "prefect.resource.name": pool.name,
  "prefect.work-pool.type": pool.type,
  "prefect.resource.role": "work-pool",
});

function event(
  name: string,
  resource: Record<string, string>,
  related: Array<Record<string, string>>,
  now: string,
  extra: { id?: string; payload?: Record<string, unknown>; follows?: string | null } = {},
): ReceivedEvent {
  return {
    id: extra.id ?? Bun.randomUUIDv7(),
    occurred: now,
    event: name,
    resource,
    related,
    payload: extra.payload ?? {},
    follows: extra.follows ?? null,
    received: now,
  };
}

export function workPoolEvent(kind: ChangeKind, pool: WorkPoolJson, now: string, updates?: Updates): ReceivedEvent {
  const related = pool.default_queue_id
    ? [
        {
          "prefect.resource.id": `prefect.work-queue.${pool.default_queue_id}`,
          "prefect.resource.role": "default-queue",
        },
      ]
    : [];
  return event(`prefect.work-pool.${kind}`, poolResource(pool), related, now, {
    payload: kind === "updated" && updates ? { updated_fields: Object.keys(updates), updates } : {},
  });
}

/** prefect.work-pool.ready / not-ready / paused, with the id the store recorded for it. */
export function workPoolStatusEvent(
  pool: WorkPoolJson,
  status: { eventId: string; occurred: string; follows: string | null },
): ReceivedEvent {
  const { "prefect.resource.role": _role, ...resource } = poolResource(pool);
  return event(`prefect.work-pool.${kebab(pool.status ?? "NOT_READY")}`, resource, [], status.occurred, {
    id: status.eventId,
    follows: status.follows,
  });
}

export function workQueueEvent(
  kind: ChangeKind | "status",
  queue: WorkQueueJson,
  pool: PoolRef,
  now: string,
  updates?: Updates,
): ReceivedEvent {
  const name =
    kind === "status" ? `prefect.work-queue.${kebab(queue.status ?? "NOT_READY")}` : `prefect.work-queue.${kind}`;
  return event(
    name,
    {
      "prefect.resource.id": `prefect.work-queue.${queue.id}`,
      "prefect.resource.name": queue.name,
      "prefect.resource.role": "work-queue",
    },
    [poolResource(pool)],
    now,
    { payload: kind === "updated" && updates ? { updated_fields: Object.keys(updates), updates } : {} },
  );
}

/** The created events of pools and queues made on the way (placing a deployment, a legacy queue). */
export function madeEvents(
  made: { pools: WorkPoolJson[]; queues: Array<{ queue: WorkQueueJson; pool: PoolRef }> },
  now: string,
): ReceivedEvent[] {
  return [
    ...made.queues.map((q) => workQueueEvent("created", q.queue, q.pool, now)),
    ...made.pools.map((p) => workPoolEvent("created", p, now)),
  ];
}
