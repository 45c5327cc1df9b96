// /api/block_types: create (names beginning with "Prefect" are reserved, as in Prefect), read by id and
// by slug, filter, update, delete (protected types refuse, 403), a type's documents and one of them by
// name, and install_system_block_types (the built-in catalogue, also registered at server start).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { BlockTypeCreateModel, BlockTypeUpdateModel, checkBlockName, checkBlockTypeSlug } from "../schemas/blocks.ts";
import type { BlockTransitions } from "../orchestration/blocks.ts";
import type { BlockDocumentsStore } from "../store/block-documents.ts";
import { blockSchemaFilter, blockTypeFilter } from "../store/block-filters.ts";
import type { BlockTypesStore } from "../store/block-types.ts";
import { IdParams, json, noContent, objectBody, orNotFound, pageOf } from "./common.ts";
import { includeSecretsOf, IncludeSecretsQuery, nameOf } from "./block-documents.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const Paging = { limit: opt(t.Integer({ minimum: 0 })), offset: opt(t.Integer({ minimum: 0 })) };
const TypesFilterBody = t.Optional(
  t.Object(
    { block_types: blockTypeFilter.model, block_schemas: blockSchemaFilter.model, ...Paging },
    { additionalProperties: true },
  ),
);

const typeNotFound = () => new AppError("not_found", "Block type not found");

export function blockTypesApi(deps: {
  types: BlockTypesStore;
  documents: BlockDocumentsStore;
  changes: BlockTransitions;
  maxLimit: number;
}) {
  const { types, documents, changes, maxLimit } = deps;
  return new Elysia({ name: "api.block-types", prefix: "/block_types" })
    .post(
      "/",
      async ({ body }) => {
        if (body.name.toLowerCase().startsWith("prefect"))
          throw new AppError("forbidden", "Block type names beginning with 'Prefect' are reserved.");
        const created = await changes.createType({
          name: checkBlockName(body.name),
          slug: checkBlockTypeSlug(body.slug),
          logo_url: body.logo_url ?? null,
          documentation_url: body.documentation_url ?? null,
          description: body.description ?? null,
          code_example: body.code_example ?? null,
          is_protected: false,
        });
        return json(created, 201);
      },
      { body: BlockTypeCreateModel },
    )
    .post("/filter", ({ body }) => types.filter(objectBody(body), pageOf(objectBody(body), maxLimit)), {
      body: TypesFilterBody,
    })
    .post("/install_system_block_types", async () => {
      await changes.registerBuiltIns();
      return json(null);
    })
    .get(
      "/slug/:slug",
      async ({ params }) => (await types.getBySlug(nameOf(params.slug))) ?? Promise.reject(typeNotFound()),
    )
    .get(
      "/slug/:slug/block_documents",
      async ({ params, query }) => {
        const type = await types.getBySlug(nameOf(params.slug));
        if (!type) throw typeNotFound();
        return documents.filter(
          { block_documents: { block_type_id: { any_: [type.id] } } },
          { limit: 1_000_000, offset: 0, sort: null },
          includeSecretsOf(query),
        );
      },
      { query: IncludeSecretsQuery },
    )
    .get(
      "/slug/:slug/block_documents/name/:name",
      async ({ params, query }) =>
        orNotFound(
          await documents.byName(nameOf(params.slug), nameOf(params.name), includeSecretsOf(query)),
          "Block document",
        ),
      { query: IncludeSecretsQuery },
    )
    .get("/:id", async ({ params }) => (await types.get(params.id)) ?? Promise.reject(typeNotFound()), {
      params: IdParams,
    })
    .patch(
      "/:id",
      async ({ params, body }) => {
        if (!(await changes.updateType(params.id, body))) throw typeNotFound();
        return noContent();
      },
      { params: IdParams, body: BlockTypeUpdateModel },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await changes.deleteType(params.id))) throw typeNotFound();
        return noContent();
      },
      { params: IdParams },
    );
}
