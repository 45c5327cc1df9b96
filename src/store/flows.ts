// Flows: upsert by name, reads, filters, updates, deletes.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { nowTimestamp } from "../core/time.ts";
import { flowWhere, orderBy } from "./filters.ts";
import type { FlowCreate, FlowUpdate } from "../schemas/flows.ts";
import type { FilterBody, Page } from "./page.ts";
import { fragmentsFor, list } from "./sql.ts";
import { TABLE_CODECS } from "../db/rows.ts";

export interface Flow {
  id: string;
  created: string;
  updated: string;
  name: string;
  tags: string[];
  labels: Record<string, unknown>;
}

export type { FlowCreate, FlowUpdate };

const COLUMNS = sql`flow.id, flow.created, flow.updated, flow.name, flow.tags, flow.labels`;
const FLOW = TABLE_CODECS.flow;

export function flowsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* getOp(id: string): Op<Flow | null> {
    return (yield* row<Flow>(sql`SELECT ${COLUMNS} FROM flow WHERE flow.id = ${id}`, FLOW)) ?? null;
  }

  return {
    /** Upsert on the unique name: `created` tells a new flow (201) from an existing one (200). */
    create(input: FlowCreate): Promise<{ flow: Flow; created: boolean }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const inserted = yield* row<Flow>(sql`
          INSERT INTO flow (id, created, updated, name, tags, labels)
          VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${input.name}, ${d.json(input.tags ?? [])}, ${d.json(input.labels ?? {})})
          ON CONFLICT (name) DO NOTHING
          RETURNING ${COLUMNS}`);
        if (inserted) return { flow: inserted, created: true };
        const existing = (yield* row<Flow>(sql`SELECT ${COLUMNS} FROM flow WHERE flow.name = ${input.name}`, FLOW))!;
        return { flow: existing, created: false };
      });
    },

    get: (id: string) => driver.read(() => getOp(id)),

    getByName(name: string): Promise<Flow | null> {
      return driver.read(function* () {
        return (yield* row<Flow>(sql`SELECT ${COLUMNS} FROM flow WHERE flow.name = ${name}`, FLOW)) ?? null;
      });
    },

    filter(body: FilterBody, page: Page): Promise<Flow[]> {
      return driver.read(function* () {
        return yield* rows<Flow>(sql`
          SELECT ${COLUMNS} FROM flow WHERE ${flowWhere(body, d)}
          ORDER BY ${orderBy("flow", page.sort, "NAME_ASC")} LIMIT ${page.limit} OFFSET ${page.offset}`);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        const r = (yield* row<{ count: number }>(sql`SELECT count(*) AS count FROM flow WHERE ${flowWhere(body, d)}`))!;
        return Number(r.count);
      });
    },

    /** Only tags and labels can change; returns false when the flow does not exist. */
    update(id: string, patch: FlowUpdate): Promise<boolean> {
      return driver.tx(function* () {
        const sets = [sql`updated = ${nowTimestamp()}`];
        if (patch.tags) sets.push(sql`tags = ${d.json(patch.tags)}`);
        if (patch.labels) sets.push(sql`labels = ${d.json(patch.labels)}`);
        return (yield* exec(sql`UPDATE flow SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`)) > 0;
      });
    },

    /** Deletes the flow and, through the foreign keys, its runs and their states. */
    delete(id: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM flow WHERE id = ${id}`)) > 0;
      });
    },

    bulkDelete(body: FilterBody, limit: number): Promise<string[]> {
      return driver.tx(function* () {
        const ids = (yield* rows<{ id: string }>(
          sql`SELECT flow.id FROM flow WHERE ${flowWhere(body, d)} LIMIT ${limit}`,
        )).map((r) => r.id);
        if (ids.length) yield* exec(sql`DELETE FROM flow WHERE id IN (${list(ids)})`);
        return ids;
      });
    },
  };
}

export type FlowsStore = ReturnType<typeof flowsStore>;
