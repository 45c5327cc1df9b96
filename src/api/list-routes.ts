// POST /filter, /count and /paginate, shared by flows, flow runs and task runs.
import { Elysia } from "elysia";
import type { Page } from "../store/page.ts";
import { objectBody, pageOf, paginate, type Body } from "./common.ts";
import { RunsFilterBody } from "./filter-models.ts";

interface Listable<T> {
  filter(body: Body, page: Page): Promise<T[]>;
  count(body: Body): Promise<number>;
  /** When present, POST /bulk_delete deletes up to `limit` matching rows and returns their ids. */
  bulkDelete?(body: Body, limit: number): Promise<string[]>;
}

/**
 * POST /filter, /count, /paginate (and /bulk_delete where the store can) for a resource: the same
 * grammar, limits and body checks everywhere.
 */
export function listRoutes<T>(name: string, store: Listable<T>, sorts: string[], maxLimit: number) {
  const routes = new Elysia({ name: `${name}.list` })
    // Before validation: Elysia would turn a JSON array into an empty object and so drop every filter.
    .onTransform({ as: "local" }, ({ body }) => void objectBody(body))
    .post("/filter", ({ body }) => store.filter(objectBody(body), pageOf(objectBody(body), maxLimit, sorts)), {
      body: RunsFilterBody,
    })
    .post("/count", ({ body }) => store.count(objectBody(body)), { body: RunsFilterBody })
    .post(
      "/paginate",
      async ({ body }) => {
        const b: Body = objectBody(body);
        const page = pageOf(b, maxLimit, sorts, true);
        const [results, count] = await Promise.all([store.filter(b, page), store.count(b)]);
        return paginate(results, count, page.limit, b.page ?? 1);
      },
      { body: RunsFilterBody },
    );
  const { bulkDelete } = store;
  if (!bulkDelete) return routes;
  // A filter that did not arrive must never widen a delete: the body check above runs first here too.
  return routes.post(
    "/bulk_delete",
    async ({ body }) => ({ deleted: await bulkDelete(objectBody(body), pageOf(objectBody(body), maxLimit).limit) }),
    {
      body: RunsFilterBody,
    },
  );
}
