// /api/concurrency_limits: tag (v1) limits, which `prefect concurrency-limit …` manages: create (an
// upsert: 201 made, 200 changed), read by id or tag, filter, reset, delete by id or tag, and the v1
// increment/decrement. Each is the global limit "tag:<tag>" underneath (store/concurrency-limits.ts).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import {
  LimitsPageModel,
  TagLimitCreateModel,
  TagLimitResetModel,
  TagSlotsModel,
} from "../schemas/concurrency-limits.ts";
import type { ConcurrencyLimitsStore } from "../store/concurrency-limits.ts";
import { json, objectBody, pageOf, Uuid } from "./common.ts";

const limitNotFound = () => new AppError("not_found", "Concurrency limit not found");
const IdParams = t.Object({ id: Uuid });

const tagOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function concurrencyLimitsApi(deps: { limits: ConcurrencyLimitsStore; maxLimit: number }) {
  const { limits, maxLimit } = deps;
  return new Elysia({ name: "api.concurrency-limits", prefix: "/concurrency_limits" })
    .post(
      "/",
      async ({ body }) => {
        const out = await limits.create(body.tag, body.concurrency_limit);
        return json(out.limit, out.created ? 201 : 200);
      },
      { body: TagLimitCreateModel },
    )
    .post("/filter", ({ body }) => limits.filter(pageOf(objectBody(body), maxLimit)), { body: LimitsPageModel })
    .post(
      "/increment",
      async ({ body }) => {
        const out = await limits.increment(body.names, body.task_run_id.toLowerCase());
        if (Array.isArray(out)) return out;
        if ("zero" in out)
          throw new AppError(
            "locked",
            `The concurrency limit on tag "${out.zero}" is 0 and will deadlock if the task tries to run again.`,
          );
        throw new AppError("locked", `Concurrency limit for the ${out.full} tag has been reached`, {
          retryAfterSeconds: out.retryAfter,
        });
      },
      { body: TagSlotsModel },
    )
    .post("/decrement", ({ body }) => limits.decrement(body.names, body.task_run_id.toLowerCase()), {
      body: TagSlotsModel,
    })
    .get(
      "/tag/:tag",
      async ({ params }) => (await limits.getByTag(tagOf(params.tag))) ?? Promise.reject(limitNotFound()),
    )
    .post(
      "/tag/:tag/reset",
      async ({ params, body }) => {
        if (!(await limits.reset(tagOf(params.tag), body?.slot_override ?? []))) throw limitNotFound();
        return json(null);
      },
      { body: TagLimitResetModel },
    )
    .delete("/tag/:tag", async ({ params }) => {
      if (!(await limits.delete({ tag: tagOf(params.tag) }))) throw limitNotFound();
      return json(null);
    })
    .get(
      "/:id",
      async ({ params }) => (await limits.getById(params.id.toLowerCase())) ?? Promise.reject(limitNotFound()),
      { params: IdParams },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await limits.delete({ id: params.id.toLowerCase() }))) throw limitNotFound();
        return json(null);
      },
      { params: IdParams },
    );
}
