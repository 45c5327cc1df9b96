// Block schemas: one per checksum and version. Creating one that exists returns it; a new one registers
// the schemas of the blocks its fields nest (block_schema_references, with their fields taken from the
// definitions sent), each under its own block type, which must exist. Fields are stored as sent, so a
// read returns what the client's checksum was computed over.
import { conflict, invalid } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { BlockSchemaInput } from "../schemas/blocks.ts";
import { DEFAULT_BLOCK_SCHEMA_VERSION } from "../schemas/blocks.ts";
import { blockSchemaChecksum, referenceStrings } from "./block-checksum.ts";
import { blockSchemaWhere } from "./block-filters.ts";
import { type BlockSchemaJson, blockSchemaJson, blockTypeJson } from "./block-shapes.ts";
import { blockTypeRowOp } from "./block-types.ts";
import type { FilterBody, Page } from "./page.ts";
import { type Fragments, fragmentsFor, list } from "./sql.ts";

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);
/** Nesting deeper than this is refused rather than followed (Prefect's references stop at 50 too). */
const MAX_NESTING = 50;

/** Schemas with their block types, in the order given. */
export function* schemasJsonOp(rs: Row[]): Op<BlockSchemaJson[]> {
  const typeIds = [...new Set(rs.map((r) => r.block_type_id as string))];
  const types = typeIds.length ? yield* rows<Row>(sql`SELECT * FROM block_type WHERE id IN (${list(typeIds)})`) : [];
  const byId = new Map(types.map((t) => [t.id as string, blockTypeJson(t)]));
  return rs.map((r) => blockSchemaJson(r, byId.get(r.block_type_id as string) ?? null));
}

export function* schemaByChecksumOp(checksum: string, version: string | null): Op<Row | null> {
  const v = version === null ? sql`` : sql` AND version = ${version}`;
  return (
    (yield* row<Row>(sql`
      SELECT * FROM block_schema WHERE checksum = ${checksum}${v} ORDER BY created DESC, id DESC LIMIT 1`)) ?? null
  );
}

/** The definitions `v` reaches through $refs, transitively (blocks and others alike). */
function reachableDefinitions(v: unknown, definitions: Fields): Fields {
  const out: Fields = {};
  const todo = referenceStrings(v as never);
  while (todo.length) {
    const key = todo.pop()!.replace("#/definitions/", "");
    if (key in out || !isObject(definitions[key])) continue;
    out[key] = definitions[key];
    todo.push(...referenceStrings(definitions[key] as never));
  }
  return out;
}

/** Prefect's _get_fields_for_child_schema: the definition a nested block's field refers to. */
function childFields(fields: Fields, definitions: Fields, name: string, slug: string): Fields | null {
  const props = isObject(fields.properties) ? fields.properties : {};
  const refs = referenceStrings((props[name] ?? null) as never).map((r) => r.replace("#/definitions/", ""));
  if (refs.length === 1) return isObject(definitions[refs[0]!]) ? (definitions[refs[0]!] as Fields) : null;
  for (const key of refs) {
    const def = definitions[key];
    if (isObject(def) && def.block_type_slug === slug) return def;
  }
  return null;
}

export function* insertSchemaOp(
  d: Fragments,
  input: BlockSchemaInput,
  now: string,
  depth = 0,
): Op<{ row: Row; created: boolean }> {
  if (depth > MAX_NESTING) throw invalid(`Block schemas nest deeper than ${MAX_NESTING} levels.`);
  const checksum = blockSchemaChecksum(input.fields);
  const existing = yield* schemaByChecksumOp(checksum, input.version);
  if (existing) return { row: existing, created: false };
  const id = Bun.randomUUIDv7();
  // Two servers registering the same schema at once (PostgreSQL): the second finds the first's row.
  const inserted = yield* row(sql`
    INSERT INTO block_schema (id, created, updated, checksum, fields, capabilities, version, block_type_id)
    VALUES (${id}, ${now}, ${now}, ${checksum}, ${d.json(input.fields)}, ${d.json(input.capabilities)},
      ${input.version}, ${input.block_type_id})
    ON CONFLICT (checksum, version) DO NOTHING RETURNING id`);
  if (!inserted) return { row: (yield* schemaByChecksumOp(checksum, input.version))!, created: false };
  const definitions = isObject(input.fields.definitions) ? input.fields.definitions : null;
  const refs = isObject(input.fields.block_schema_references) ? input.fields.block_schema_references : {};
  for (const [name, value] of Object.entries(refs)) {
    for (const ref of Array.isArray(value) ? value : [value]) {
      if (!isObject(ref)) continue;
      const slug = String(ref.block_type_slug ?? "");
      const type = yield* blockTypeRowOp(sql`slug = ${slug}`);
      if (!type)
        throw conflict(
          `Cannot create block schema because block type '${slug}' was not found.Did you forget to register the block type?`,
        );
      if (yield* schemaByChecksumOp(String(ref.block_schema_checksum ?? ""), null)) continue;
      const child = definitions ? childFields(input.fields, definitions, name, slug) : null;
      if (!child)
        throw invalid(`Unable to create nested block schema for block type '${type.name}' due to missing definition.`);
      const childDefs = reachableDefinitions(child, definitions!);
      const fields = Object.keys(childDefs).length ? { ...child, definitions: childDefs } : child;
      yield* insertSchemaOp(
        d,
        { fields, block_type_id: type.id as string, capabilities: [], version: DEFAULT_BLOCK_SCHEMA_VERSION },
        now,
        depth + 1,
      );
    }
  }
  return { row: (yield* row<Row>(sql`SELECT * FROM block_schema WHERE id = ${id}`))!, created: true };
}

export function blockSchemasStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    /** The schema (created: false when one with its checksum and version existed); null: no such type. */
    create(input: BlockSchemaInput): Promise<{ schema: BlockSchemaJson; created: boolean } | null> {
      return driver.tx(function* () {
        if (!(yield* blockTypeRowOp(sql`id = ${input.block_type_id}`))) return null;
        const { row: r, created } = yield* insertSchemaOp(d, input, nowTimestamp());
        return { schema: (yield* schemasJsonOp([r]))[0]!, created };
      });
    },

    get(id: string): Promise<BlockSchemaJson | null> {
      return driver.read(function* () {
        const r = yield* row<Row>(sql`SELECT * FROM block_schema WHERE id = ${id}`);
        return r ? (yield* schemasJsonOp([r]))[0]! : null;
      });
    },

    byChecksum(checksum: string, version: string | null): Promise<BlockSchemaJson | null> {
      return driver.read(function* () {
        const r = yield* schemaByChecksumOp(checksum, version);
        return r ? (yield* schemasJsonOp([r]))[0]! : null;
      });
    },

    /** Newest first, as Prefect lists them (so limit 1 is the latest). */
    filter(body: FilterBody, page: Page): Promise<BlockSchemaJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(sql`
          SELECT * FROM block_schema WHERE ${blockSchemaWhere(body, d)}
          ORDER BY created DESC, id DESC LIMIT ${page.limit} OFFSET ${page.offset}`);
        return yield* schemasJsonOp(rs);
      });
    },

    /** Null: no such schema; otherwise whether its type is protected (then nothing is deleted). */
    delete(id: string, allowProtected = false): Promise<{ protected: boolean } | null> {
      return driver.tx(function* () {
        const r = yield* row<{ is_protected: boolean }>(sql`
          SELECT block_type.is_protected FROM block_schema JOIN block_type ON block_type.id = block_schema.block_type_id
          WHERE block_schema.id = ${id}`);
        if (!r) return null;
        if (r.is_protected && !allowProtected) return { protected: true };
        yield* exec(sql`DELETE FROM block_schema WHERE id = ${id}`);
        return { protected: false };
      });
    },

    /** Every capability some schema declares, sorted. */
    capabilities(): Promise<string[]> {
      return driver.read(function* () {
        const rs = yield* rows<{ capabilities: string[] }>(sql`SELECT capabilities FROM block_schema`);
        return [...new Set(rs.flatMap((r) => r.capabilities ?? []))].sort();
      });
    },
  };
}

export type BlockSchemasStore = ReturnType<typeof blockSchemasStore>;
