// Block types: made by the API (a slug taken is Prefect's 409), upserted by slug when the
// server registers its built-in catalogue (store/block-registration.ts), read, filtered, updated and
// deleted (with their schemas and documents). Protected types are refused by the API, not here.
import { conflict } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { BlockTypeInput, BlockTypeUpdateBody } from "../schemas/blocks.ts";
import { blockTypeWhere } from "./block-filters.ts";
import { type BlockTypeJson, blockTypeJson } from "./block-shapes.ts";
import type { FilterBody, Page } from "./page.ts";
import { fragmentsFor, raw } from "./sql.ts";

const UPDATABLE = ["logo_url", "documentation_url", "description", "code_example"] as const;

/** Prefect's html.escape(quote=False) of descriptions and code examples on create. */
export const escapeHtml = (s: string | null) =>
  s === null ? null : s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function* blockTypeRowOp(where: ReturnType<typeof sql>): Op<Row | null> {
  return (yield* row<Row>(sql`SELECT * FROM block_type WHERE ${where}`)) ?? null;
}

/**
 * A new type; a taken slug (the only unique key, Prefect's uq_block_type__slug) is Prefect's 409, whose
 * message names the name all the same. With `orExisting` (the catalogue's registration, which two
 * servers on one PostgreSQL may run at once) a taken slug returns null instead.
 */
export function* insertBlockTypeOp(input: BlockTypeInput, now: string, orExisting = false): Op<Row | null> {
  if (!orExisting && (yield* row(sql`SELECT 1 FROM block_type WHERE slug = ${input.slug}`)))
    throw conflict(`Block type with name "${input.name}" already exists`);
  const id = Bun.randomUUIDv7();
  const inserted = yield* row(sql`
    INSERT INTO block_type (id, created, updated, name, slug, logo_url, documentation_url, description,
      code_example, is_protected)
    VALUES (${id}, ${now}, ${now}, ${input.name}, ${input.slug}, ${input.logo_url}, ${input.documentation_url},
      ${escapeHtml(input.description)}, ${escapeHtml(input.code_example)}, ${input.is_protected})
    ${orExisting ? sql`ON CONFLICT (slug) DO NOTHING` : sql``} RETURNING id`);
  return inserted ? (yield* blockTypeRowOp(sql`id = ${id}`))! : null;
}

/** Writes the named fields (absent: unchanged). */
export function* updateBlockTypeOp(id: string, patch: BlockTypeUpdateBody, now: string): Op<void> {
  const sets = [sql`updated = ${now}`];
  for (const key of UPDATABLE) if (patch[key] !== undefined) sets.push(sql`${raw(key)} = ${patch[key]}`);
  yield* exec(sql`UPDATE block_type SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
}

export function blockTypesStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    create(input: BlockTypeInput): Promise<BlockTypeJson> {
      return driver.tx(function* () {
        return blockTypeJson((yield* insertBlockTypeOp(input, nowTimestamp()))!);
      });
    },

    get(id: string): Promise<BlockTypeJson | null> {
      return driver.read(function* () {
        const r = yield* blockTypeRowOp(sql`id = ${id}`);
        return r ? blockTypeJson(r) : null;
      });
    },

    getBySlug(slug: string): Promise<BlockTypeJson | null> {
      return driver.read(function* () {
        const r = yield* blockTypeRowOp(sql`slug = ${slug}`);
        return r ? blockTypeJson(r) : null;
      });
    },

    filter(body: FilterBody, page: Page): Promise<BlockTypeJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(sql`
          SELECT * FROM block_type WHERE ${blockTypeWhere(body, d)}
          ORDER BY name LIMIT ${page.limit} OFFSET ${page.offset}`);
        return rs.map(blockTypeJson);
      });
    },

    /** False: no such type. */
    update(id: string, patch: BlockTypeUpdateBody): Promise<boolean> {
      return driver.tx(function* () {
        if (!(yield* blockTypeRowOp(sql`id = ${id}`))) return false;
        yield* updateBlockTypeOp(id, patch, nowTimestamp());
        return true;
      });
    },

    /** Deletes the type with its schemas and documents (and their references); false: no such type. */
    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM block_type WHERE id = ${id}`)) > 0;
      });
    },
  };
}

export type BlockTypesStore = ReturnType<typeof blockTypesStore>;
