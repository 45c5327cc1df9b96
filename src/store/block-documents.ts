// Block documents: a document's own data is stored as sent, except its top-level fields that reference
// another document ({"$ref": {"block_document_id": …}}), which become block_document_reference rows and
// are resolved on every read into the nested document's data (and a record under
// block_document_references), to any depth up to Prefect's 50. Secret fields are masked on read unless
// the caller asks for secrets; an update follows Prefect's merge semantics, keeps a secret sent back
// masked, and never lets a reference close a cycle.
import { AppError, conflict, notFound } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import {
  type BlockDocumentInput,
  type BlockDocumentPatch,
  maskSecrets,
  restoreMaskedSecrets,
  secretPaths,
} from "../schemas/blocks.ts";
import { blockDocumentWhere } from "./block-filters.ts";
import { schemasJsonOp } from "./block-schemas.ts";
import type { BlockDocumentJson, BlockReferenceJson, BlockSchemaJson } from "./block-shapes.ts";
import type { FilterBody, Page } from "./page.ts";
import { type Fragments, fragmentsFor, list } from "./sql.ts";
import { canonicalUuid } from "../core/uuid.ts";

type Data = Record<string, unknown>;
const isObject = (v: unknown): v is Data => typeof v === "object" && v !== null && !Array.isArray(v);

/** Prefect's _BLOCK_DOCUMENT_REFERENCE_MAX_DEPTH. */
const MAX_DEPTH = 50;

export const BLOCK_DOCUMENT_SORTS = ["NAME_ASC", "NAME_DESC", "BLOCK_TYPE_AND_NAME_ASC"] as const;
const ORDER = {
  NAME_ASC: sql`block_document.name ASC`,
  NAME_DESC: sql`block_document.name DESC`,
  BLOCK_TYPE_AND_NAME_ASC: sql`block_document.block_type_name ASC, block_document.name ASC`,
};

interface Ref {
  id: string;
  name: string;
  parent: string;
  ref: string;
}

/** Prefect's _separate_block_references_from_data: top-level {"$ref": {block_document_id}} fields. */
export function separateReferences(data: Data): { own: Data; refs: Array<[string, string]> } {
  const own: Data = {};
  const refs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(data)) {
    if (isObject(value) && "$ref" in value) {
      const target = isObject(value.$ref) ? value.$ref.block_document_id : undefined;
      if (typeof target !== "string" || !target)
        throw new AppError("bad_request", `Received block reference without a block_document_id in key ${key}`);
      if (!canonicalUuid(target))
        throw new AppError(
          "invalid",
          `The block reference in key ${key} names '${target.slice(0, 64)}', which is not a UUID.`,
        );
      refs.push([key, target]);
    } else own[key] = value;
  }
  return { own, refs };
}

/** The documents with everything they reference resolved, in the order given. */
function* documentsJsonOp(roots: Row[], includeSecrets: boolean): Op<BlockDocumentJson[]> {
  const docs = new Map(roots.map((r) => [r.id as string, r]));
  const refsOf = new Map<string, Ref[]>();
  let frontier = [...docs.keys()];
  for (let depth = 0; frontier.length && depth <= MAX_DEPTH + 1; depth++) {
    const found = yield* rows<Ref>(sql`
      SELECT id, name, parent_block_document_id AS parent, reference_block_document_id AS ref
      FROM block_document_reference WHERE parent_block_document_id IN (${list(frontier)}) ORDER BY name`);
    for (const r of found) refsOf.set(r.parent, [...(refsOf.get(r.parent) ?? []), r]);
    const missing = [...new Set(found.map((r) => r.ref))].filter((id) => !docs.has(id));
    if (missing.length)
      for (const r of yield* rows<Row>(sql`SELECT * FROM block_document WHERE id IN (${list(missing)})`))
        docs.set(r.id as string, r);
    frontier = missing;
  }
  const schemaIds = [...new Set([...docs.values()].map((r) => r.block_schema_id as string))];
  const schemaRows = schemaIds.length
    ? yield* rows<Row>(sql`SELECT * FROM block_schema WHERE id IN (${list(schemaIds)})`)
    : [];
  const schemas = new Map((yield* schemasJsonOp(schemaRows)).map((s) => [s.id, s]));

  const build = (doc: Row, depth: number): { data: Data; refs: Record<string, BlockReferenceJson> } => {
    if (depth > MAX_DEPTH)
      throw new AppError(
        "bad_request",
        `Block document reference graph exceeds max depth ${MAX_DEPTH}; refusing to recurse further.`,
      );
    const schema = schemas.get(doc.block_schema_id as string);
    const own = (doc.data as Data) ?? {};
    const data = includeSecrets ? structuredClone(own) : maskSecrets(own, secretPaths(schema?.fields));
    const refs: Record<string, BlockReferenceJson> = {};
    for (const r of refsOf.get(doc.id as string) ?? []) {
      const child = docs.get(r.ref);
      if (!child) continue;
      const built = build(child, depth + 1);
      data[r.name] = built.data;
      refs[r.name] = {
        block_document: {
          id: child.id as string,
          name: child.name as string,
          block_type: schemas.get(child.block_schema_id as string)?.block_type ?? null,
          is_anonymous: Boolean(child.is_anonymous),
          block_document_references: built.refs,
        },
      };
    }
    return { data, refs };
  };

  return roots.map((doc) => {
    const { data, refs } = build(doc, 0);
    const schema: BlockSchemaJson | null = schemas.get(doc.block_schema_id as string) ?? null;
    return {
      id: doc.id as string,
      created: doc.created as string,
      updated: doc.updated as string,
      name: doc.name as string,
      data,
      block_schema_id: doc.block_schema_id as string,
      block_schema: schema,
      block_type_id: doc.block_type_id as string,
      block_type_name: (doc.block_type_name as string | null) ?? null,
      block_type: schema?.block_type ?? null,
      block_document_references: refs,
      is_anonymous: Boolean(doc.is_anonymous),
    };
  });
}

/** Prefect's cycle check: would parent → reference close a loop in the reference graph? */
function* wouldCycleOp(parent: string, reference: string): Op<boolean> {
  if (parent === reference) return true;
  const seen = new Set<string>();
  let frontier = [reference];
  while (frontier.length) {
    if (frontier.includes(parent)) return true;
    for (const id of frontier) seen.add(id);
    const next = yield* rows<{ ref: string }>(sql`
      SELECT reference_block_document_id AS ref FROM block_document_reference
      WHERE parent_block_document_id IN (${list(frontier)})`);
    frontier = [...new Set(next.map((r) => r.ref))].filter((id) => !seen.has(id));
  }
  return false;
}

function* insertReferenceOp(parent: string, name: string, reference: string, now: string): Op<void> {
  if (!(yield* row(sql`SELECT 1 FROM block_document WHERE id = ${reference}`)))
    throw notFound(`Block document ${reference} referenced by '${name}'`);
  if (yield* wouldCycleOp(parent, reference))
    throw new AppError(
      "bad_request",
      "Cannot create block document reference: it would introduce a cycle into the block_document_reference " +
        `graph (parent=${parent}, reference=${reference}).`,
    );
  yield* exec(sql`
    INSERT INTO block_document_reference (id, created, updated, name, parent_block_document_id, reference_block_document_id)
    VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${name}, ${parent}, ${reference})`);
}

function* docRowsOp(where: ReturnType<typeof sql>): Op<Row[]> {
  return yield* rows<Row>(sql`SELECT * FROM block_document WHERE ${where}`);
}

export function* documentByIdOp(id: string, includeSecrets: boolean): Op<BlockDocumentJson | null> {
  const found = yield* docRowsOp(sql`id = ${id}`);
  return found.length ? (yield* documentsJsonOp(found, includeSecrets))[0]! : null;
}

function* insertDocumentOp(d: Fragments, input: BlockDocumentInput, now: string): Op<string> {
  const type = yield* row<{ name: string }>(sql`SELECT name FROM block_type WHERE id = ${input.block_type_id}`);
  if (!type) throw notFound(`Block type ${input.block_type_id}`);
  if (!(yield* row(sql`SELECT 1 FROM block_schema WHERE id = ${input.block_schema_id}`)))
    throw notFound(`Block schema ${input.block_schema_id}`);
  const name = input.is_anonymous && !input.name ? `anonymous-${crypto.randomUUID()}` : input.name!;
  if (yield* row(sql`SELECT 1 FROM block_document WHERE block_type_id = ${input.block_type_id} AND name = ${name}`))
    throw conflict("Block already exists");
  const { own, refs } = separateReferences(input.data);
  const id = Bun.randomUUIDv7();
  yield* exec(sql`
    INSERT INTO block_document (id, created, updated, name, data, is_anonymous, block_type_name, block_type_id, block_schema_id)
    VALUES (${id}, ${now}, ${now}, ${name}, ${d.json(own)}, ${input.is_anonymous}, ${type.name},
      ${input.block_type_id}, ${input.block_schema_id})`);
  for (const [key, ref] of refs) yield* insertReferenceOp(id, key, ref, now);
  return id;
}

export function blockDocumentsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    create(input: BlockDocumentInput): Promise<BlockDocumentJson> {
      return driver.tx(function* () {
        const id = yield* insertDocumentOp(d, input, nowTimestamp());
        return (yield* documentByIdOp(id, false))!;
      });
    },

    get(id: string, includeSecrets = false): Promise<BlockDocumentJson | null> {
      return driver.read(() => documentByIdOp(id, includeSecrets));
    },

    /** By its type's slug and its name (anonymous documents included, as Prefect reads them). */
    byName(slug: string, name: string, includeSecrets = false): Promise<BlockDocumentJson | null> {
      return driver.read(function* () {
        const found = yield* docRowsOp(sql`name = ${name}
          AND block_type_id = (SELECT id FROM block_type WHERE slug = ${slug})`);
        return found.length ? (yield* documentsJsonOp(found, includeSecrets))[0]! : null;
      });
    },

    filter(
      body: FilterBody,
      page: Page,
      includeSecrets = false,
      sort: (typeof BLOCK_DOCUMENT_SORTS)[number] = "NAME_ASC",
    ): Promise<BlockDocumentJson[]> {
      return driver.read(function* () {
        const found = yield* rows<Row>(sql`
          SELECT * FROM block_document WHERE ${blockDocumentWhere(body, d)}
          ORDER BY ${ORDER[sort]}, block_document.id LIMIT ${page.limit} OFFSET ${page.offset}`);
        return yield* documentsJsonOp(found, includeSecrets);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        const r = yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM block_document WHERE ${blockDocumentWhere(body, d)}`,
        );
        return Number(r!.count);
      });
    },

    /**
     * Prefect's update_block_document: with data, secrets sent back masked keep their stored value,
     * merge_existing_data merges the top-level keys into the stored data (otherwise it replaces it),
     * references follow the data sent, and a new schema must belong to the same type. False: no such
     * document.
     */
    update(id: string, patch: BlockDocumentPatch, dataSent: boolean): Promise<boolean> {
      return driver.tx(function* () {
        const current = (yield* docRowsOp(sql`id = ${id}`))[0];
        if (!current) return false;
        const now = nowTimestamp();
        if (dataSent || !patch.merge_existing_data) {
          const schema = yield* row<{ fields: Data }>(
            sql`SELECT fields FROM block_schema WHERE id = ${current.block_schema_id as string}`,
          );
          const stored = (current.data as Data) ?? {};
          let next = restoreMaskedSecrets(patch.data, stored, secretPaths(schema?.fields));
          if (patch.merge_existing_data) next = { ...stored, ...next };
          const { own, refs } = separateReferences(next);
          const sets = [sql`data = ${d.json(own)}`, sql`updated = ${now}`];
          if (patch.block_schema_id && patch.block_schema_id !== current.block_schema_id) {
            const proposed = yield* row<{ block_type_id: string }>(
              sql`SELECT block_type_id FROM block_schema WHERE id = ${patch.block_schema_id}`,
            );
            if (!proposed) throw notFound(`Block schema ${patch.block_schema_id}`);
            if (proposed.block_type_id !== current.block_type_id)
              throw new AppError(
                "bad_request",
                "Must migrate block document to a block schema of the same block type.",
              );
            sets.push(sql`block_schema_id = ${patch.block_schema_id}`);
          }
          yield* exec(sql`UPDATE block_document SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
          const existing = yield* rows<Ref>(sql`
            SELECT id, name, reference_block_document_id AS ref FROM block_document_reference
            WHERE parent_block_document_id = ${id}`);
          const kept = existing.filter((e) => refs.some(([n, r]) => n === e.name && r === e.ref));
          const gone = existing.filter((e) => !kept.includes(e)).map((e) => e.id);
          if (gone.length) yield* exec(sql`DELETE FROM block_document_reference WHERE id IN (${list(gone)})`);
          for (const [name, ref] of refs)
            if (!kept.some((e) => e.name === name && e.ref === ref)) yield* insertReferenceOp(id, name, ref, now);
        }
        return true;
      });
    },

    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM block_document WHERE id = ${id}`)) > 0;
      });
    },
  };
}

export type BlockDocumentsStore = ReturnType<typeof blockDocumentsStore>;
