// /api/flows: upsert by name, read, filter, count, paginate, update, delete.
import { Elysia } from "elysia";
import type { FlowsStore } from "../store/flows.ts";
import { SORT_NAMES } from "../store/filters.ts";
import { checkName, IdParams, json, noContent, orNotFound } from "./common.ts";
import { listRoutes } from "./list-routes.ts";
import { FlowCreateModel, FlowUpdateModel } from "../schemas/flows.ts";

export function flowsApi(deps: { flows: FlowsStore; maxLimit: number }) {
  const { flows, maxLimit } = deps;
  return new Elysia({ name: "api.flows", prefix: "/flows" })
    .post(
      "/",
      async ({ body }) => {
        const { flow, created } = await flows.create({
          name: checkName(body.name),
          tags: body.tags ?? [],
          labels: body.labels ?? {},
        });
        return json(flow, created ? 201 : 200);
      },
      { body: FlowCreateModel },
    )
    .get("/:id", async ({ params }) => orNotFound(await flows.get(params.id), "Flow"), { params: IdParams })
    .get("/name/:name", async ({ params }) => orNotFound(await flows.getByName(params.name), "Flow"))
    .patch(
      "/:id",
      async ({ params, body }) => {
        orNotFound(
          (await flows.update(params.id, { tags: body.tags, labels: body.labels === null ? {} : body.labels })) || null,
          "Flow",
        );
        return noContent();
      },
      {
        params: IdParams,
        body: FlowUpdateModel,
      },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        orNotFound((await flows.delete(params.id)) || null, "Flow");
        return noContent();
      },
      { params: IdParams },
    )
    .use(listRoutes("api.flows", flows, SORT_NAMES.flow, maxLimit));
}
