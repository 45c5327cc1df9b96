// /api/work_pools: pools (create, read, filter, count, update, delete, concurrency status), a pool's
// queues, its workers (heartbeat, filter, delete) and the workers' poll get_scheduled_flow_runs. Every
// change goes through the work-pool entry point, which publishes the prefect.work-pool.* and
// prefect.work-queue.* events after the commit. The worker's websocket (/workers/connect) stays a 404:
// the SDK then keeps to REST for good (contract §8.1).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import {
  WorkerHeartbeatModel,
  WorkPoolCreateModel,
  WorkPoolUpdateModel,
  WorkQueueCreateModel,
  WorkQueueUpdateModel,
} from "../schemas/work-pools.ts";
import { workerFilter, workPoolFilter, workQueueTableFilter } from "../store/work-pool-filters.ts";
import type { WorkPoolsStore } from "../store/work-pools.ts";
import type { WorkQueuesStore } from "../store/work-queues.ts";
import { checkName, json, noContent, objectBody, pageOf } from "./common.ts";
import { checkedTimestamp } from "./run-models.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const Paging = { limit: opt(t.Integer({ minimum: 0 })), offset: opt(t.Integer({ minimum: 0 })) };
const body = (props: Record<string, Parameters<typeof t.Union>[0][number]>) =>
  t.Optional(t.Object(props, { additionalProperties: true }));

export const PoolsFilterBody = body({ work_pools: workPoolFilter.model, ...Paging });
export const QueuesFilterBody = body({ work_queues: workQueueTableFilter.model, ...Paging });
const WorkersFilterBody = body({ workers: workerFilter.model, ...Paging });
const PollBody = body({
  work_queue_names: opt(t.Array(t.String(), { maxItems: 1_000 })),
  scheduled_before: opt(t.String()),
  scheduled_after: opt(t.String()),
  limit: opt(t.Integer({ minimum: 0 })),
});
/** A page far past any pool's queues, and still an exact offset on both databases. */
export const Page = t.Integer({ minimum: 1, maximum: 1_000_000 });
const ConcurrencyStatusBody = body({
  page: opt(Page),
  limit: opt(t.Integer({ minimum: 0 })),
  flow_run_limit: opt(t.Integer({ minimum: 0, maximum: 200 })),
});

/** Names arrive URL-encoded; Prefect's names never hold %, so decoding twice is harmless. */
const nameOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export const poolNotFound = (name: string) => new AppError("not_found", `Work pool "${name}" not found.`);
const queueNotFound = (pool: string, name: string) =>
  new AppError("not_found", `Work pool queue '${pool}/${name}' not found.`);

/** scheduled_before / scheduled_after as stored timestamps (the SDK sends "2026-01-01 10:00:00+00:00"). */
export function pollWindow(b: Record<string, unknown>, limit: number) {
  const ts = (key: string) => (b[key] ? checkedTimestamp(b[key] as string, ["body", key]) : null);
  return { before: ts("scheduled_before"), after: ts("scheduled_after"), limit };
}

/** A queue update with its name checked and last_polled as a stored timestamp. */
export function queuePatchOf(body: typeof WorkQueueUpdateModel.static) {
  if (body.name) checkName(body.name);
  if (body.last_polled === undefined || body.last_polled === null) return body;
  return { ...body, last_polled: checkedTimestamp(body.last_polled, ["body", "last_polled"]) };
}

export function workPoolsApi(deps: {
  pools: WorkPoolsStore;
  queues: WorkQueuesStore;
  changes: WorkPoolTransitions;
  maxLimit: number;
}) {
  const { pools, queues, changes, maxLimit } = deps;

  const queueOf = async (poolName: string, name: string) => {
    const q = await queues.getByName(poolName, name);
    if (q) return q;
    if (!(await pools.getByName(poolName))) throw poolNotFound(poolName);
    throw queueNotFound(poolName, name);
  };

  return new Elysia({ name: "api.work-pools", prefix: "/work_pools" })
    .onTransform({ as: "local" }, ({ body, request }) => {
      if (request.method === "POST") objectBody(body);
    })
    .post("/", async ({ body }) => json(await changes.createPool({ ...body, name: checkName(body.name) }), 201), {
      body: WorkPoolCreateModel,
    })
    .post("/filter", ({ body }) => pools.filter(objectBody(body), pageOf(objectBody(body), maxLimit)), {
      body: PoolsFilterBody,
    })
    .post("/count", ({ body }) => pools.count(objectBody(body)), { body: PoolsFilterBody })
    .get("/:name", async ({ params }) => {
      const name = nameOf(params.name);
      return (await pools.getByName(name)) ?? Promise.reject(poolNotFound(name));
    })
    .patch(
      "/:name",
      async ({ params, body }) => {
        await changes.updatePool(nameOf(params.name), body);
        return noContent();
      },
      { body: WorkPoolUpdateModel },
    )
    .delete("/:name", async ({ params }) => {
      await changes.deletePool(nameOf(params.name));
      return noContent();
    })
    .post(
      "/:name/get_scheduled_flow_runs",
      ({ params, body }) => {
        const b = objectBody(body);
        const names = (b.work_queue_names as string[] | null | undefined) ?? null;
        return changes.poll(nameOf(params.name), names, pollWindow(b, Math.min(b.limit ?? maxLimit, maxLimit)));
      },
      { body: PollBody },
    )
    .post(
      "/:name/concurrency_status",
      async ({ params, body }) => {
        const b = objectBody(body);
        const status = await pools.concurrencyStatus(nameOf(params.name), {
          page: b.page ?? 1,
          limit: Math.min(b.limit ?? maxLimit, maxLimit),
          flowRunLimit: b.flow_run_limit ?? 10,
        });
        return status ?? Promise.reject(new AppError("not_found", `Work pool '${nameOf(params.name)}' not found.`));
      },
      { body: ConcurrencyStatusBody },
    )
    .post(
      "/:name/queues",
      async ({ params, body }) =>
        json(await changes.createQueue(nameOf(params.name), { ...body, name: checkName(body.name) }), 201),
      { body: WorkQueueCreateModel },
    )
    .post(
      "/:name/queues/filter",
      async ({ params, body }) => {
        const pool = nameOf(params.name);
        const found = await queues.list(pool, objectBody(body), pageOf(objectBody(body), maxLimit));
        return found ?? Promise.reject(poolNotFound(pool));
      },
      { body: QueuesFilterBody },
    )
    .get("/:name/queues/:queue", ({ params }) => queueOf(nameOf(params.name), nameOf(params.queue)))
    .patch(
      "/:name/queues/:queue",
      async ({ params, body }) => {
        const q = await queueOf(nameOf(params.name), nameOf(params.queue));
        await changes.updateQueue(q.id, queuePatchOf(body));
        return noContent();
      },
      { body: WorkQueueUpdateModel },
    )
    .delete("/:name/queues/:queue", async ({ params }) => {
      const q = await queueOf(nameOf(params.name), nameOf(params.queue));
      await changes.deleteQueue(q.id);
      return noContent();
    })
    .post(
      "/:name/workers/heartbeat",
      async ({ params, body }) => {
        await changes.heartbeat(nameOf(params.name), body.name, body.heartbeat_interval_seconds ?? null);
        return noContent();
      },
      { body: WorkerHeartbeatModel },
    )
    .post(
      "/:name/workers/filter",
      async ({ params, body }) => {
        const pool = nameOf(params.name);
        const found = await pools.workers(pool, objectBody(body), pageOf(objectBody(body), maxLimit));
        return found ?? Promise.reject(poolNotFound(pool));
      },
      { body: WorkersFilterBody },
    )
    .delete("/:name/workers/:worker", async ({ params }) => {
      const pool = nameOf(params.name);
      const deleted = await pools.deleteWorker(pool, nameOf(params.worker));
      if (deleted === null) throw poolNotFound(pool);
      if (!deleted) throw new AppError("not_found", "Worker not found.");
      return noContent();
    });
}
