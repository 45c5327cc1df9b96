// The block types Prefect's server registers when it starts, from data embedded in the binary
// (block-catalog.json, written by build/block-catalog.py from the pinned SDK): Secret, Webhook and
// LocalFileSystem as protected types, the other file systems and every notification block as ordinary
// ones, each with its schema. A type is made when missing and brought up to date when its catalogue
// entry differs; a schema is added when its checksum and version are new. One transaction, so a
// server start never leaves half a catalogue.
import { nowTimestamp } from "../core/time.ts";
import type { Driver } from "../db/driver.ts";
import { exec } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { BlockTypeInput } from "../schemas/blocks.ts";
import CATALOG from "./block-catalog.json" with { type: "json" };
import { insertSchemaOp } from "./block-schemas.ts";
import { blockTypeJson, type BlockTypeJson } from "./block-shapes.ts";
import { blockTypeRowOp, escapeHtml, insertBlockTypeOp } from "./block-types.ts";
import { fragmentsFor } from "./sql.ts";

export interface CatalogEntry {
  block_type: BlockTypeInput;
  block_schema: { checksum: string; fields: Record<string, unknown>; capabilities: string[]; version: string };
}

export const BLOCK_CATALOG = CATALOG as unknown as CatalogEntry[];

const TYPE_COLUMNS = ["logo_url", "documentation_url", "description", "code_example", "is_protected"] as const;

/** The types a registration made and those it brought up to date. */
export interface BlockRegistration {
  created: BlockTypeJson[];
  updated: BlockTypeJson[];
}

/** Registers the catalogue. */
export function registerBuiltInBlocks(
  driver: Driver,
  catalog: CatalogEntry[] = BLOCK_CATALOG,
): Promise<BlockRegistration> {
  const d = fragmentsFor(driver.dialect);
  return driver.tx(function* () {
    const now = nowTimestamp();
    const done: BlockRegistration = { created: [], updated: [] };
    for (const { block_type: t, block_schema: s } of catalog) {
      let type = yield* blockTypeRowOp(sql`slug = ${t.slug}`);
      const made = type ? null : yield* insertBlockTypeOp(t, now, true);
      if (made) {
        type = made;
        done.created.push(blockTypeJson(made));
      } else {
        // Another server may have made it since the read (PostgreSQL).
        type ??= (yield* blockTypeRowOp(sql`slug = ${t.slug}`))!;
        // Stored as Prefect stores a registered type: description and example HTML-escaped.
        const want = { ...t, description: escapeHtml(t.description), code_example: escapeHtml(t.code_example) };
        const stale = TYPE_COLUMNS.filter((k) => (type![k] ?? null) !== (want[k] ?? null));
        if (stale.length) {
          const sets = stale.map((k) => sql`${sql.raw(k)} = ${want[k]}`);
          yield* exec(
            sql`UPDATE block_type SET ${sql.join(sets, sql`, `)}, updated = ${now} WHERE id = ${type.id as string}`,
          );
          done.updated.push(blockTypeJson((yield* blockTypeRowOp(sql`id = ${type.id as string}`))!));
        }
      }
      yield* insertSchemaOp(
        d,
        { fields: s.fields, block_type_id: type.id as string, capabilities: s.capabilities, version: s.version },
        now,
      );
    }
    return done;
  });
}
