// Saved searches: PUT by name (a taken name has its filters replaced), read, list by name, delete.
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { SavedSearchFilterJson } from "../schemas/saved-searches.ts";
import type { Page } from "./page.ts";
import { fragmentsFor } from "./sql.ts";

export interface SavedSearchJson {
  id: string;
  created: string;
  updated: string;
  name: string;
  filters: SavedSearchFilterJson[];
}

const savedSearchJson = (r: Row): SavedSearchJson => ({
  id: r.id as string,
  created: r.created as string,
  updated: r.updated as string,
  name: r.name as string,
  filters: (r.filters as SavedSearchFilterJson[] | null) ?? [],
});

export function savedSearchesStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    /** The search after the write, and whether this write made it. */
    put(name: string, filters: SavedSearchFilterJson[]): Promise<{ search: SavedSearchJson; created: boolean }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const found = yield* row<Row>(sql`SELECT id FROM saved_search WHERE name = ${name}`);
        if (found)
          yield* exec(
            sql`UPDATE saved_search SET filters = ${d.json(filters)}, updated = ${now} WHERE id = ${found.id as string}`,
          );
        else
          yield* exec(sql`
            INSERT INTO saved_search (id, created, updated, name, filters)
            VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${name}, ${d.json(filters)})`);
        const r = (yield* row<Row>(sql`SELECT * FROM saved_search WHERE name = ${name}`))!;
        return { search: savedSearchJson(r), created: !found };
      });
    },

    get(id: string): Promise<SavedSearchJson | null> {
      return driver.read(function* () {
        const r = yield* row<Row>(sql`SELECT * FROM saved_search WHERE id = ${id}`);
        return r ? savedSearchJson(r) : null;
      });
    },

    list(page: Page): Promise<SavedSearchJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(
          sql`SELECT * FROM saved_search ORDER BY name, id LIMIT ${page.limit} OFFSET ${page.offset}`,
        );
        return rs.map(savedSearchJson);
      });
    },

    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM saved_search WHERE id = ${id}`)) > 0;
      });
    },
  };
}

export type SavedSearchesStore = ReturnType<typeof savedSearchesStore>;
