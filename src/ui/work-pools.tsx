// Dashboard pages about work pools: the list, a pool's page (queues, workers, runs, base job template)
// and a queue's page, with pause/resume, the pool's concurrency limit and the queue's priority and limit.
// Reads go through the stores, every change through the work-pool transitions (which publish the same
// events as the API's). A form with any bad field writes nothing and comes back with the problems by
// their fields.
import { Elysia, t } from "elysia";
import type { NumberField } from "../../views/components/limit-form.tsx";
import { poolHref, queueHref } from "../../views/components/work-status.tsx";
import { WorkPoolPage } from "../../views/pages/work-pool.tsx";
import { WorkPoolsPage } from "../../views/pages/work-pools.tsx";
import { WorkQueuePage } from "../../views/pages/work-queue.tsx";
import { AppError } from "../core/errors.ts";
import type { FilterBody } from "../store/page.ts";
import { SLOT_STATES, type WorkPoolJson, type WorkQueueJson } from "../store/work-pool-shapes.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { withFlowNames } from "./run-names.ts";

const PAGE_SIZE = 50;
const RUNS = 10;
const QUEUES = 200;
const WORKERS = 50;
const DEPLOYMENTS = 50;
const MAX_INT = 2 ** 31 - 1;
const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));

/** Path segments may arrive URL-encoded; Prefect's names never hold %, so decoding again is harmless. */
const nameOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

type Parsed = { value: number | null; error?: undefined } | { value?: undefined; error: string };

/**
 * A whole number typed into a form: `min` or more and at most 2³¹−1 (the API's bounds). Empty is null
 * when `empty` is null (no limit), else that message.
 */
export function wholeNumber(raw: unknown, opts: { min: number; empty: string | null; negative: string }): Parsed {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "") return opts.empty === null ? { value: null } : { error: opts.empty };
  if (/^-\s*\d+$/.test(text)) return { error: opts.negative };
  if (!/^\d+$/.test(text)) return { error: "Enter a whole number." };
  const n = Number(text);
  if (n < opts.min) return { error: opts.negative };
  if (n > MAX_INT) return { error: `Must be at most ${MAX_INT}.` };
  return { value: n };
}

const LIMIT = {
  min: 0,
  empty: null,
  negative: "A concurrency limit cannot be negative: enter 0 or more, or leave it empty for no limit.",
};
const PRIORITY = {
  min: 1,
  empty: "Enter a priority: 1 is the highest.",
  negative: "A priority is 1 (the highest) or more.",
};

const textOf = (n: number | null) => (n === null ? "" : String(n));
const sent = (body: Record<string, unknown>, key: string) => {
  const v = body[key];
  return typeof v === "string" ? v : "";
};
const limitField = (value: string, error?: string): NumberField => ({
  name: "concurrency_limit",
  label: "Concurrency limit",
  value,
  hint: "Empty: no limit. 0: no runs start.",
  error,
});
const priorityField = (value: string, error?: string): NumberField => ({
  name: "priority",
  label: "Priority",
  value,
  hint: "1 is the highest.",
  error,
});

const back = (to: string, notice: string) => Response.redirect(`${to}?notice=${encodeURIComponent(notice)}`, 303);

type Stores = UiDeps["stores"];

/** A pool's (or queue's) runs in some states, with their flow and deployment names. */
async function runsIn(stores: Stores, where: FilterBody, types: readonly string[]) {
  const runs = await stores.flowRuns.filter(
    { ...where, flow_runs: { state: { type: { any_: [...types] } } } },
    { limit: RUNS, offset: 0, sort: "EXPECTED_START_TIME_ASC" },
  );
  return withFlowNames(stores, runs);
}

export function workPoolPages(deps: UiDeps) {
  const { stores, csrf } = deps;

  async function poolOf(raw: string): Promise<WorkPoolJson> {
    const name = nameOf(raw);
    const pool = await stores.workPools.getByName(name);
    if (!pool) throw new AppError("not_found", `Work pool "${name}" not found.`);
    return pool;
  }

  async function queueOf(pool: WorkPoolJson, raw: string): Promise<WorkQueueJson> {
    const name = nameOf(raw);
    const queue = await stores.workQueues.getByName(pool.name, name);
    if (!queue) throw new AppError("not_found", `Work queue "${name}" not found in work pool "${pool.name}".`);
    return queue;
  }

  async function poolProps(pool: WorkPoolJson, extra: { notice?: string; limitField?: NumberField } = {}) {
    const inPool = { work_pools: { id: { any_: [pool.id] } } };
    const [status, summary, queues, workers, upcoming, running] = await Promise.all([
      stores.workPools.concurrencyStatus(pool.name, { page: 1, limit: QUEUES, flowRunLimit: 0 }),
      stores.workPools.summaries([pool.id]),
      stores.workQueues.list(pool.name, {}, { limit: QUEUES, offset: 0 }),
      stores.workPools.workers(pool.name, {}, { limit: WORKERS, offset: 0 }),
      runsIn(stores, inPool, ["SCHEDULED"]),
      runsIn(stores, inPool, SLOT_STATES),
    ]);
    const slots = new Map((status?.queues ?? []).map((q) => [q.queue_id, q.active_slots]));
    return {
      pool,
      activeSlots: summary.get(pool.id)?.activeSlots ?? 0,
      onlineWorkers: summary.get(pool.id)?.onlineWorkers ?? 0,
      queues: (queues ?? []).map((q) => ({
        ...q,
        activeSlots: slots.get(q.id) ?? 0,
        isDefault: q.id === pool.default_queue_id,
      })),
      workers: workers ?? [],
      upcoming,
      running,
      limitField: extra.limitField ?? limitField(textOf(pool.concurrency_limit)),
      notice: extra.notice,
      csrfToken: csrf.token,
    };
  }

  async function queueProps(
    pool: WorkPoolJson,
    queue: WorkQueueJson,
    extra: { notice?: string; fields?: NumberField[] } = {},
  ) {
    const inQueue = { work_pool_queues: { id: { any_: [queue.id] } } };
    const [status, activeSlots, deployments, upcoming, running] = await Promise.all([
      stores.workQueues.status(queue.id),
      stores.flowRuns.count({ ...inQueue, flow_runs: { state: { type: { any_: [...SLOT_STATES] } } } }),
      stores.deployments.filter(inQueue, { limit: DEPLOYMENTS, offset: 0, sort: "NAME_ASC" }),
      runsIn(stores, inQueue, ["SCHEDULED"]),
      runsIn(stores, inQueue, SLOT_STATES),
    ]);
    return {
      pool,
      queue,
      isDefault: queue.id === pool.default_queue_id,
      activeSlots,
      lateRuns: status?.late_runs_count ?? 0,
      deployments: deployments.map((d) => ({ id: d.id, name: d.name })),
      upcoming,
      running,
      fields: extra.fields ?? [priorityField(String(queue.priority)), limitField(textOf(queue.concurrency_limit))],
      notice: extra.notice,
      csrfToken: csrf.token,
    };
  }

  const pausePool =
    (paused: boolean) =>
    async ({ params, body, request }: ActionContext) => {
      csrf.check(request, body);
      const pool = await poolOf(params.name);
      await deps.workPools.updatePool(pool.name, { is_paused: paused });
      return back(poolHref(pool.name), paused ? "Work pool paused." : "Work pool resumed.");
    };

  const pauseQueue =
    (paused: boolean) =>
    async ({ params, body, request }: QueueActionContext) => {
      csrf.check(request, body);
      const pool = await poolOf(params.name);
      const queue = await queueOf(pool, params.queue);
      if (!(await deps.workPools.updateQueue(queue.id, { is_paused: paused })))
        throw new AppError("not_found", "Work queue not found.");
      return back(queueHref(pool.name, queue.name), paused ? "Work queue paused." : "Work queue resumed.");
    };

  return new Elysia({ name: "ui.work-pools" })
    .get("/work-pools", async ({ query }) => {
      const page = pageNumber(query.page);
      const list = await stores.workPools.filter({}, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      const pools = list.slice(0, PAGE_SIZE);
      const summaries = await stores.workPools.summaries(pools.map((p) => p.id));
      const rows = pools.map((p) => ({
        ...p,
        activeSlots: summaries.get(p.id)?.activeSlots ?? 0,
        onlineWorkers: summaries.get(p.id)?.onlineWorkers ?? 0,
      }));
      return html(<WorkPoolsPage pools={rows} page={page} hasNext={list.length > PAGE_SIZE} csrfToken={csrf.token} />);
    })
    .get("/work-pools/:name", async ({ params, query }) =>
      html(<WorkPoolPage {...(await poolProps(await poolOf(params.name), { notice: query.notice }))} />),
    )
    .post("/work-pools/:name/pause", pausePool(true), { body: Form })
    .post("/work-pools/:name/resume", pausePool(false), { body: Form })
    .post(
      "/work-pools/:name/limit",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const pool = await poolOf(params.name);
        const form = (body ?? {}) as Record<string, unknown>;
        const limit = wholeNumber(form.concurrency_limit, LIMIT);
        if (limit.error === undefined) {
          await deps.workPools.updatePool(pool.name, { concurrency_limit: limit.value });
          const notice =
            limit.value === null ? "Concurrency limit removed." : `Concurrency limit set to ${limit.value}.`;
          return back(poolHref(pool.name), notice);
        }
        const field = limitField(sent(form, "concurrency_limit"), limit.error);
        return html(<WorkPoolPage {...(await poolProps(pool, { limitField: field }))} />, 422);
      },
      { body: Form },
    )
    .get("/work-pools/:name/queues/:queue", async ({ params, query }) => {
      const pool = await poolOf(params.name);
      const queue = await queueOf(pool, params.queue);
      return html(<WorkQueuePage {...(await queueProps(pool, queue, { notice: query.notice }))} />);
    })
    .post("/work-pools/:name/queues/:queue/pause", pauseQueue(true), { body: Form })
    .post("/work-pools/:name/queues/:queue/resume", pauseQueue(false), { body: Form })
    .post(
      "/work-pools/:name/queues/:queue/settings",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const pool = await poolOf(params.name);
        const queue = await queueOf(pool, params.queue);
        const form = (body ?? {}) as Record<string, unknown>;
        const priority = wholeNumber(form.priority, PRIORITY);
        const limit = wholeNumber(form.concurrency_limit, LIMIT);
        // Both or neither: one update, and only once every field is right.
        if (priority.error === undefined && limit.error === undefined) {
          const done = await deps.workPools.updateQueue(queue.id, {
            priority: priority.value,
            concurrency_limit: limit.value,
          });
          if (!done) throw new AppError("not_found", "Work queue not found.");
          const notice = `Work queue saved: priority ${priority.value}, ${
            limit.value === null ? "no concurrency limit" : `concurrency limit ${limit.value}`
          }.`;
          return back(queueHref(pool.name, queue.name), notice);
        }
        const fields = [
          priorityField(sent(form, "priority"), priority.error),
          limitField(sent(form, "concurrency_limit"), limit.error),
        ];
        return html(<WorkQueuePage {...(await queueProps(pool, queue, { fields }))} />, 422);
      },
      { body: Form },
    );
}

interface ActionContext {
  params: { name: string };
  body: unknown;
  request: Request;
}

interface QueueActionContext {
  params: { name: string; queue: string };
  body: unknown;
  request: Request;
}
