// /api/flows: upsert by name, read, filter, count, paginate, update, delete.
import { Elysia, t } from "elysia";
import type { FlowsStore } from "../store/flows.ts";
import { SORT_NAMES } from "../store/filters.ts";
import { checkName, FilterBody, IdParams, json, noContent, orNotFound, pageOf, paginate, type Body } from "./common.ts";

const Labels = t.Record(t.String(), t.Any());

export function flowsApi(deps: { flows: FlowsStore; maxLimit: number }) {
  const { flows, maxLimit } = deps;
  return new Elysia({ name: "api.flows", prefix: "/flows" })
    .post(
      "/",
      async ({ body }) => {
        const { flow, created } = await flows.create({ name: checkName(body.name), tags: body.tags ?? [], labels: body.labels ?? {} });
        return json(flow, created ? 201 : 200);
      },
      { body: t.Object({ name: t.String({ minLength: 1 }), tags: t.Optional(t.Array(t.String())), labels: t.Optional(Labels) }, { additionalProperties: true }) },
    )
    .get("/:id", async ({ params }) => orNotFound(await flows.get(params.id), "Flow"), { params: IdParams })
    .get("/name/:name", async ({ params }) => orNotFound(await flows.getByName(decodeURIComponent(params.name)), "Flow"))
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound((await flows.update(params.id, { tags: body.tags, labels: body.labels })) || null, "Flow");
        return noContent();
      },
      { params: IdParams, body: t.Object({ tags: t.Optional(t.Array(t.String())), labels: t.Optional(Labels) }, { additionalProperties: true }) },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        orNotFound((await flows.delete(params.id)) || null, "Flow");
        return noContent();
      },
      { params: IdParams },
    )
    .post("/filter", ({ body }) => flows.filter(body ?? {}, pageOf(body, maxLimit, SORT_NAMES.flow)), { body: FilterBody })
    .post("/count", ({ body }) => flows.count(body ?? {}), { body: FilterBody })
    .post(
      "/paginate",
      async ({ body }) => {
        const b: Body = body ?? {};
        const limit = b.limit ?? maxLimit;
        const pageNo = b.page ?? 1;
        const page = pageOf({ ...b, offset: (pageNo - 1) * limit }, maxLimit, SORT_NAMES.flow);
        const [results, count] = await Promise.all([flows.filter(b, page), flows.count(b)]);
        return paginate(results, count, limit, pageNo);
      },
      { body: t.Optional(t.Object({ page: t.Optional(t.Integer({ minimum: 1 })) }, { additionalProperties: true })) },
    )
    .post("/bulk_delete", async ({ body }) => ({ deleted: await flows.bulkDelete(body ?? {}, pageOf(body, maxLimit).limit) }), { body: FilterBody });
}
