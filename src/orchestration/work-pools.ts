// The one way work pools, work queues and workers change, for the API, the dashboard and the foreman:
// checks what the store cannot (reserved names, job templates), writes through the stores, and publishes
// the prefect.work-pool.* / prefect.work-queue.* events after the commit. A worker's poll hands out runs
// and then marks the polled queues and their deployments READY, as Prefect's poll does.
//
// Like transitions.ts this does I/O through the stores it is given; the layering test places it above
// store/.
import { AppError } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import {
  changedFields,
  madeEvents,
  POOL_EVENT_FIELDS,
  QUEUE_EVENT_FIELDS,
  workPoolEvent,
  workPoolStatusEvent,
  workQueueEvent,
} from "../events/work-pool-events.ts";
import {
  checkBaseJobTemplate,
  type WorkPoolCreateBody,
  type WorkPoolPatch,
  type WorkPoolUpdateBody,
  type WorkQueueCreateBody,
  type WorkQueueInput,
  type WorkQueuePatch,
  type WorkQueueUpdateBody,
} from "../schemas/work-pools.ts";
import type { ScheduledQuery, WorkPoolRunsStore } from "../store/work-pool-runs.ts";
import type { PoolChange, WorkPoolsStore } from "../store/work-pools.ts";
import type { QueueChange, WorkQueuesStore } from "../store/work-queues.ts";
import type { ForemanConfig } from "../settings/server-config.ts";
import type { DeploymentTransitions } from "./deployments.ts";
import { Handouts } from "./handouts.ts";

/** Prefect reserves pool names starting with "prefect" (any case) for its own pools. */
const isReserved = (name: string) => name.toLowerCase().startsWith("prefect");
const RESERVED = "Work pools starting with 'Prefect' are reserved for internal use.";

function queueInput(body: WorkQueueCreateBody): WorkQueueInput {
  return {
    name: body.name,
    description: body.description ?? "",
    is_paused: body.is_paused ?? false,
    concurrency_limit: body.concurrency_limit ?? null,
    priority: body.priority ?? null,
    filter: body.filter ?? null,
  };
}

/** Only the keys a body names, with nulls where Prefect's columns take them. */
function pick<T extends object>(body: object, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys)
    if ((body as Record<string, unknown>)[k] !== undefined) out[k] = (body as Record<string, unknown>)[k];
  return out as T;
}

export function workPoolTransitions(deps: {
  pools: WorkPoolsStore;
  queues: WorkQueuesStore;
  poolRuns: WorkPoolRunsStore;
  deployments: DeploymentTransitions;
  bus: EventBus;
}) {
  const { pools, queues, poolRuns, deployments, bus } = deps;

  const queueEvents = (kind: "created" | "updated" | "deleted", changes: QueueChange[], now: string) =>
    changes.map((c) => workQueueEvent(kind, c.after, c.pool, now));

  /** A pool change's events: created / updated / deleted, and its status when that changed. */
  function announcePool(c: PoolChange, kind: "created" | "updated" | "deleted") {
    const now = nowTimestamp();
    const events: ReceivedEvent[] = [];
    if (kind === "created")
      events.push(...queueEvents("created", c.queues, now), workPoolEvent("created", c.after, now));
    if (kind === "deleted")
      events.push(...queueEvents("deleted", c.queues, now), workPoolEvent("deleted", c.after, now));
    if (kind === "updated") {
      const updates = changedFields(c.before, c.after, POOL_EVENT_FIELDS);
      if (Object.keys(updates).length) events.push(workPoolEvent("updated", c.after, now, updates));
    }
    if (c.status) events.push(workPoolStatusEvent(c.after, c.status));
    if (events.length) bus.publish(events);
  }

  function announceQueue(c: QueueChange) {
    const now = nowTimestamp();
    const events: ReceivedEvent[] = [];
    const updates = changedFields(c.before, c.after, QUEUE_EVENT_FIELDS);
    if (Object.keys(updates).length) events.push(workQueueEvent("updated", c.after, c.pool, now, updates));
    if (c.before && c.before.status !== c.after.status) events.push(workQueueEvent("status", c.after, c.pool, now));
    if (events.length) bus.publish(events);
  }

  // Runs handed out moments ago go to the next pollers only after the others; a run that changes
  // state is no longer Scheduled, so it leaves the record at once.
  const handouts = new Handouts();
  bus.subscribe((events) => {
    if (!handouts.size) return;
    for (const e of events)
      if (e.event.startsWith("prefect.flow-run.")) handouts.drop(e.resource["prefect.resource.id"]!.slice(17));
  });

  const notFound = (name: string) => new AppError("not_found", `Work pool "${name}" not found.`);

  return {
    async createPool(body: WorkPoolCreateBody) {
      if (isReserved(body.name)) throw new AppError("forbidden", RESERVED);
      const template = body.base_job_template ?? {};
      checkBaseJobTemplate(template, ["base_job_template"]);
      const change = await pools.create({
        name: body.name,
        description: body.description ?? null,
        type: body.type ?? "prefect-agent",
        base_job_template: template,
        is_paused: body.is_paused ?? false,
        concurrency_limit: body.concurrency_limit ?? null,
        storage_configuration: (body.storage_configuration as Record<string, unknown> | undefined) ?? {},
      });
      announcePool(change, "created");
      return change.after;
    },

    async updatePool(name: string, body: WorkPoolUpdateBody) {
      const patch = pick<WorkPoolPatch>(body, [
        "description",
        "is_paused",
        "base_job_template",
        "concurrency_limit",
        "storage_configuration",
      ]);
      // Prefect's model turns an explicit null into "not set" for these two (their columns are required).
      if (patch.is_paused === null) delete patch.is_paused;
      if (patch.base_job_template === null) delete patch.base_job_template;
      if (patch.storage_configuration === null) delete patch.storage_configuration;
      if (isReserved(name) && Object.keys(patch).some((k) => k !== "is_paused" && k !== "concurrency_limit"))
        throw new AppError(
          "forbidden",
          "Work pools starting with 'Prefect' are reserved for internal use and can only be updated to set concurrency limits or pause.",
        );
      if (patch.base_job_template) checkBaseJobTemplate(patch.base_job_template, ["base_job_template"]);
      const change = await pools.update(name, patch);
      if (!change) throw notFound(name);
      announcePool(change, "updated");
      return change.after;
    },

    async deletePool(name: string) {
      if (isReserved(name))
        throw new AppError(
          "forbidden",
          "Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.",
        );
      const change = await pools.delete(name);
      if (!change) throw notFound(name);
      announcePool(change, "deleted");
    },

    /** A worker's heartbeat; false when the pool does not exist. */
    async heartbeat(poolName: string, workerName: string, intervalSeconds: number | null) {
      const done = await pools.heartbeat(poolName, workerName, intervalSeconds);
      if (!done) throw notFound(poolName);
      if (done.change) announcePool(done.change, "updated");
    },

    async createQueue(poolName: string, body: WorkQueueCreateBody) {
      const change = await queues.create(poolName, queueInput(body));
      if (!change) throw notFound(poolName);
      bus.publish(queueEvents("created", [change], nowTimestamp()));
      return change.after;
    },

    /** The top-level POST /work_queues/: in the pool given by id, or the legacy agents' pool. */
    async createQueueAnywhere(body: WorkQueueCreateBody) {
      const done = await pools.createQueueAnywhere(body.work_pool_id ?? null, queueInput(body));
      if (!done) throw new AppError("not_found", `Work pool ${body.work_pool_id} not found.`);
      const now = nowTimestamp();
      bus.publish([...queueEvents("created", [done.change], now), ...madeEvents(done.made, now)]);
      return done.change.after;
    },

    /** Null when there is no such queue. */
    async updateQueue(id: string, body: WorkQueueUpdateBody) {
      const patch = pick<WorkQueuePatch & { priority?: number | null; name?: string | null }>(body, [
        "name",
        "description",
        "is_paused",
        "concurrency_limit",
        "priority",
        "last_polled",
        "filter",
      ]);
      if (patch.priority === null) delete patch.priority;
      if (patch.name === null) delete patch.name;
      if ((patch.is_paused as boolean | null | undefined) === null) delete patch.is_paused;
      const change = await queues.update(id, patch as WorkQueuePatch);
      if (change) announceQueue(change);
      return change?.after ?? null;
    },

    /** False when there is no such queue. */
    async deleteQueue(id: string) {
      const change = await queues.delete(id);
      if (!change) return false;
      bus.publish(queueEvents("deleted", [change], nowTimestamp()));
      return true;
    },

    /** Marks polled queues (READY when they were NOT_READY) and their deployments READY. */
    async markPolled(due: { queues: string[]; deployments: string[] }) {
      const ready = due.queues.length ? await queues.markPolled(due.queues) : [];
      const now = nowTimestamp();
      if (ready.length) bus.publish(ready.map((c) => workQueueEvent("status", c.after, c.pool, now)));
      if (due.deployments.length) await deployments.markReady(due.deployments);
    },

    /** A worker's poll of a pool (POST /work_pools/{name}/get_scheduled_flow_runs). */
    async poll(poolName: string, queueNames: string[] | null, q: ScheduledQuery) {
      const { runs, due } = await poolRuns.scheduled(poolName, queueNames, { ...q, recent: handouts });
      await this.markPolled(due);
      return runs;
    },

    /** The legacy queue poll; the dashboard's reads (`fromUi`) are not polls. Null: no such queue. */
    async queueRuns(id: string, q: ScheduledQuery, fromUi: boolean) {
      const runs = await poolRuns.queueRuns(id, q);
      if (runs && !fromUi) await this.markPolled(await queues.pollsDue([id]));
      return runs;
    },

    /** The foreman's pass (Prefect's monitor_worker_health); returns what it changed. */
    async foreman(s: ForemanConfig) {
      const offline = await pools.markWorkersOffline(s.inactivityHeartbeatMultiple, s.fallbackHeartbeatIntervalSeconds);
      const idle = await pools.markPoolsNotReady();
      for (const c of idle) announcePool(c, "updated");
      const deps = await deployments.markNotReady(s.deploymentLastPolledTimeoutSeconds);
      const stale = await queues.markNotReady(s.workQueueLastPolledTimeoutSeconds);
      const now = nowTimestamp();
      if (stale.length) bus.publish(stale.map((c) => workQueueEvent("status", c.after, c.pool, now)));
      return { workers: offline, pools: idle.length, deployments: deps, queues: stale.length };
    },
  };
}

export type WorkPoolTransitions = ReturnType<typeof workPoolTransitions>;
