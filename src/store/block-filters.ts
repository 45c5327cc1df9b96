// Prefect's BlockTypeFilter, BlockSchemaFilter and BlockDocumentFilter (prefect/server/schemas/filters.py),
// as request models and SQL over block_type, block_schema and block_document. A document filter left
// out, or one that does not mention is_anonymous, leaves anonymous documents out, as Prefect's default
// does; an explicit `is_anonymous: null` takes them all.
import type { SQL } from "drizzle-orm";
import type { JsonObject } from "../core/json.ts";
import { sql } from "../db/sql-tag.ts";
import { Uuid } from "../schemas/common.ts";
import { and, type Fragments, raw } from "./sql.ts";
import { anyOnly, Bool, type Field, listOf, names, obj, opt, present, resource, Str } from "./filter-fields.ts";

type Json = JsonObject;

const likeOnly = (col: string): Field => ({
  model: opt(obj({ like_: opt(Str) })),
  sql: (f, d) => (f.like_ ? [d.contains(raw(col), String(f.like_))] : []),
});

export const blockTypeFilter = resource(
  "block_types",
  { name: likeOnly("block_type.name"), slug: anyOnly("block_type.slug", Str) },
  false,
);

export const blockSchemaFilter = resource("block_schemas", {
  block_type_id: anyOnly("block_schema.block_type_id", Uuid),
  block_capabilities: {
    model: opt(obj({ all_: listOf(Str) })),
    sql: (f, d) => (f.all_?.length ? [d.jsonHasAll(raw("block_schema.capabilities"), f.all_)] : []),
  },
  id: anyOnly("block_schema.id", Uuid),
  version: anyOnly("block_schema.version", Str),
});

export const blockDocumentFilter = resource("block_documents", {
  id: anyOnly("block_document.id", Uuid),
  is_anonymous: {
    model: opt(obj({ eq_: opt(Bool) })),
    sql: (f) => (present(f.eq_) ? [sql`block_document.is_anonymous = ${Boolean(f.eq_)}`] : []),
  },
  block_type_id: anyOnly("block_document.block_type_id", Uuid),
  name: names("block_document.name"),
});

export function blockTypeWhere(body: Json, d: Fragments): SQL {
  const conds = body.block_types ? blockTypeFilter.conditions(body.block_types, d) : [];
  if (body.block_schemas)
    conds.push(sql`EXISTS (SELECT 1 FROM block_schema WHERE block_schema.block_type_id = block_type.id
      AND ${and(blockSchemaFilter.conditions(body.block_schemas, d))})`);
  return and(conds);
}

export function blockSchemaWhere(body: Json, d: Fragments): SQL {
  return and(body.block_schemas ? blockSchemaFilter.conditions(body.block_schemas, d) : []);
}

/** Prefect's _apply_block_document_filters, with its default of leaving anonymous documents out. */
export function blockDocumentWhere(body: Json, d: Fragments): SQL {
  const f = (body.block_documents ?? {}) as Json;
  const withDefault = f.is_anonymous === undefined ? { ...f, is_anonymous: { eq_: false } } : f;
  const conds = blockDocumentFilter.conditions(withDefault, d);
  if (body.block_types)
    conds.push(sql`EXISTS (SELECT 1 FROM block_type WHERE block_type.id = block_document.block_type_id
      AND ${and(blockTypeFilter.conditions(body.block_types, d))})`);
  if (body.block_schemas)
    conds.push(sql`EXISTS (SELECT 1 FROM block_schema WHERE block_schema.id = block_document.block_schema_id
      AND ${and(blockSchemaFilter.conditions(body.block_schemas, d))})`);
  return and(conds);
}
