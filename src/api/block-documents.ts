// /api/block_documents: create (a name taken within the type is Prefect's 409 "Block already exists"),
// filter, count, read by id, update (Prefect's merge semantics) and delete. Secret fields come back as
// ******** unless include_secrets is true (a query parameter on reads, a body field on /filter).
import { Elysia, t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import { BlockDocumentCreateModel, BlockDocumentUpdateModel, checkBlockDocumentName } from "../schemas/blocks.ts";
import type { BlockTransitions } from "../orchestration/blocks.ts";
import { BLOCK_DOCUMENT_SORTS, type BlockDocumentsStore } from "../store/block-documents.ts";
import { blockDocumentFilter, blockSchemaFilter, blockTypeFilter } from "../store/block-filters.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const Filters = {
  block_documents: blockDocumentFilter.model,
  block_types: blockTypeFilter.model,
  block_schemas: blockSchemaFilter.model,
};
const FilterBody = t.Optional(
  t.Object(
    {
      ...Filters,
      include_secrets: opt(t.Boolean()),
      sort: opt(t.UnionEnum([...BLOCK_DOCUMENT_SORTS])),
      limit: opt(t.Integer({ minimum: 0 })),
      offset: opt(t.Integer({ minimum: 0 })),
    },
    { additionalProperties: true },
  ),
);
const CountBody = t.Optional(t.Object(Filters, { additionalProperties: true }));

export const IncludeSecretsQuery = t.Object(
  { include_secrets: t.Optional(t.String()) },
  { additionalProperties: true },
);

const TRUE = ["true", "1", "yes", "on", "t", "y"];
const FALSE = ["false", "0", "no", "off", "f", "n"];

/** FastAPI's bool query parameter: true/false, 1/0, yes/no, on/off; anything else a 422. */
export function includeSecretsOf(query: { include_secrets?: string }): boolean {
  const v = query.include_secrets?.toLowerCase();
  if (v === undefined) return false;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw invalid("include_secrets must be a boolean", [
    { loc: ["query", "include_secrets"], msg: "Input should be a valid boolean", type: "bool_parsing", input: v },
  ]);
}

/** Path segments arrive URL-encoded; Prefect's slugs and names never hold %, so decoding is harmless. */
export const nameOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const docNotFound = () => new AppError("not_found", "Block document not found");

export function blockDocumentsApi(deps: {
  documents: BlockDocumentsStore;
  changes: BlockTransitions;
  maxLimit: number;
}) {
  const { documents, changes, maxLimit } = deps;
  return new Elysia({ name: "api.block-documents", prefix: "/block_documents" })
    .post(
      "/",
      async ({ body }) => {
        const anonymous = body.is_anonymous ?? false;
        const doc = await changes.createDocument({
          name: checkBlockDocumentName(body.name, anonymous),
          data: body.data ?? {},
          block_schema_id: body.block_schema_id,
          block_type_id: body.block_type_id,
          is_anonymous: anonymous,
        });
        return json(doc, 201);
      },
      { body: BlockDocumentCreateModel },
    )
    .post(
      "/filter",
      ({ body }) => {
        const b = objectBody(body);
        return documents.filter(
          b,
          pageOf(b, maxLimit),
          b.include_secrets === true,
          (b.sort as (typeof BLOCK_DOCUMENT_SORTS)[number] | null) ?? "NAME_ASC",
        );
      },
      { body: FilterBody },
    )
    .post("/count", ({ body }) => documents.count(objectBody(body)), { body: CountBody })
    .get(
      "/:id",
      async ({ params, query }) =>
        (await documents.get(params.id, includeSecretsOf(query))) ?? Promise.reject(docNotFound()),
      { params: IdParams, query: IncludeSecretsQuery },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        const updated = await changes.updateDocument(
          params.id,
          {
            block_schema_id: body.block_schema_id ?? null,
            data: body.data ?? {},
            merge_existing_data: body.merge_existing_data ?? true,
          },
          body.data !== undefined,
        );
        if (!updated) throw docNotFound();
        return noContent();
      },
      { params: IdParams, body: BlockDocumentUpdateModel },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await changes.deleteDocument(params.id))) throw docNotFound();
        return noContent();
      },
      { params: IdParams },
    );
}
