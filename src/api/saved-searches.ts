// /api/saved_searches: the dashboard's saved filter sets. PUT / creates (201) or, for a name already
// saved, replaces its filters (200); read by id, list by name, delete.
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { SavedSearchCreateModel } from "../schemas/saved-searches.ts";
import type { SavedSearchesStore } from "../store/saved-searches.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const FilterBody = t.Optional(
  t.Object(
    { limit: opt(t.Integer({ minimum: 0 })), offset: opt(t.Integer({ minimum: 0 })) },
    { additionalProperties: true },
  ),
);

const notFound = () => new AppError("not_found", "Saved search not found");

export function savedSearchesApi(deps: { savedSearches: SavedSearchesStore; maxLimit: number }) {
  const { savedSearches, maxLimit } = deps;
  return new Elysia({ name: "api.saved-searches", prefix: "/saved_searches" })
    .onTransform({ as: "local" }, ({ body, request }) => {
      if (request.method === "POST" || request.method === "PUT") objectBody(body);
    })
    .put(
      "/",
      async ({ body }) => {
        const { search, created } = await savedSearches.put(body.name, body.filters ?? []);
        return json(search, created ? 201 : 200);
      },
      { body: SavedSearchCreateModel },
    )
    .post("/filter", ({ body }) => savedSearches.list(pageOf(objectBody(body), maxLimit)), { body: FilterBody })
    .get("/:id", async ({ params }) => (await savedSearches.get(params.id)) ?? Promise.reject(notFound()), {
      params: IdParams,
    })
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await savedSearches.delete(params.id))) throw notFound();
        return noContent();
      },
      { params: IdParams },
    );
}
