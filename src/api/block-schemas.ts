// /api/block_schemas and /api/block_capabilities: create (an existing checksum and version answers 200
// with the stored schema, a new one 201), read by id and by checksum (the newest of any version unless
// one is named), filter (newest first), delete (not for protected types: 403), and every capability the
// stored schemas declare.
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { BlockSchemaCreateModel, DEFAULT_BLOCK_SCHEMA_VERSION } from "../schemas/blocks.ts";
import { blockSchemaFilter } from "../store/block-filters.ts";
import type { BlockSchemasStore } from "../store/block-schemas.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";
import { nameOf } from "./block-documents.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const SchemasFilterBody = t.Optional(
  t.Object(
    {
      block_schemas: blockSchemaFilter.model,
      limit: opt(t.Integer({ minimum: 0 })),
      offset: opt(t.Integer({ minimum: 0 })),
    },
    { additionalProperties: true },
  ),
);

const schemaNotFound = () => new AppError("not_found", "Block schema not found");

export function blockSchemasApi(deps: { schemas: BlockSchemasStore; maxLimit: number }) {
  const { schemas, maxLimit } = deps;
  const capabilities = new Elysia({ name: "api.block-capabilities", prefix: "/block_capabilities" }).get("/", () =>
    schemas.capabilities(),
  );
  const routes = new Elysia({ name: "api.block-schemas", prefix: "/block_schemas" })
    .post(
      "/",
      async ({ body }) => {
        const made = await schemas.create({
          fields: body.fields ?? {},
          block_type_id: body.block_type_id,
          capabilities: body.capabilities ?? [],
          version: body.version ?? DEFAULT_BLOCK_SCHEMA_VERSION,
        });
        if (!made) throw new AppError("not_found", `Block type ${body.block_type_id} not found.`);
        return json(made.schema, made.created ? 201 : 200);
      },
      { body: BlockSchemaCreateModel },
    )
    .post("/filter", ({ body }) => schemas.filter(objectBody(body), pageOf(objectBody(body), maxLimit)), {
      body: SchemasFilterBody,
    })
    .get(
      "/checksum/:checksum",
      async ({ params, query }) =>
        (await schemas.byChecksum(nameOf(params.checksum), query.version ?? null)) ?? Promise.reject(schemaNotFound()),
      { query: t.Object({ version: t.Optional(t.String()) }, { additionalProperties: true }) },
    )
    .get("/:id", async ({ params }) => (await schemas.get(params.id)) ?? Promise.reject(schemaNotFound()), {
      params: IdParams,
    })
    .delete(
      "/:id",
      async ({ params }) => {
        const done = await schemas.delete(params.id);
        if (!done) throw schemaNotFound();
        if (done.protected)
          throw new AppError("forbidden", "Block schemas for protected block types cannot be deleted.");
        return noContent();
      },
      { params: IdParams },
    );
  return new Elysia({ name: "api.block-schemas-all" }).use(routes).use(capabilities);
}
