// Variables: create (a taken name is Prefect's 409), read by id or name, filter, count, update and
// delete by id or name. The value is any JSON, stored as given (a JSON string stays a string).
import { conflict } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { VariableInput, VariablePatch } from "../schemas/variables.ts";
import type { FilterBody, Page } from "./page.ts";
import { orderBy } from "./sorts.ts";
import { fragmentsFor } from "./sql.ts";
import { variableWhere } from "./variable-filters.ts";

export interface VariableJson {
  id: string;
  created: string;
  updated: string;
  name: string;
  value: unknown;
  tags: string[];
}

export const VARIABLE_SORTS = ["CREATED_DESC", "UPDATED_DESC", "NAME_DESC", "NAME_ASC"];

const variableJson = (r: Row): VariableJson => ({
  id: r.id as string,
  created: r.created as string,
  updated: r.updated as string,
  name: r.name as string,
  value: r.value ?? null,
  tags: (r.tags as string[] | null) ?? [],
});

const taken = (name: string) => conflict(`A variable with the name '${name}' already exists.`);

/** Which variable a route names: by id or by name. */
export type VariableRef = { id: string } | { name: string };
const whereOf = (ref: VariableRef) => ("id" in ref ? sql`id = ${ref.id}` : sql`name = ${ref.name}`);

export function variablesStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* readOp(ref: VariableRef): Op<VariableJson | null> {
    const r = yield* row<Row>(sql`SELECT * FROM variable WHERE ${whereOf(ref)}`);
    return r ? variableJson(r) : null;
  }

  return {
    create(input: VariableInput): Promise<VariableJson> {
      return driver.tx(function* () {
        if (yield* row(sql`SELECT 1 FROM variable WHERE name = ${input.name}`)) throw taken(input.name);
        const now = nowTimestamp();
        const id = Bun.randomUUIDv7();
        yield* exec(sql`
          INSERT INTO variable (id, created, updated, name, value, tags)
          VALUES (${id}, ${now}, ${now}, ${input.name}, ${d.json(input.value)}, ${d.json(input.tags)})`);
        return (yield* readOp({ id }))!;
      });
    },

    get(ref: VariableRef): Promise<VariableJson | null> {
      return driver.read(() => readOp(ref));
    },

    filter(body: FilterBody, page: Page): Promise<VariableJson[]> {
      return driver.read(function* () {
        const rs = yield* rows<Row>(sql`
          SELECT * FROM variable WHERE ${variableWhere(body, d)}
          ORDER BY ${orderBy("variable", page.sort, "NAME_ASC")} LIMIT ${page.limit} OFFSET ${page.offset}`);
        return rs.map(variableJson);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        const r = yield* row<{ count: number }>(
          sql`SELECT count(*) AS count FROM variable WHERE ${variableWhere(body, d)}`,
        );
        return Number(r!.count);
      });
    },

    /** The variable after the update; null when there is none. Renaming onto a taken name is a 409. */
    update(ref: VariableRef, patch: VariablePatch): Promise<VariableJson | null> {
      return driver.tx(function* () {
        const current = yield* readOp(ref);
        if (!current) return null;
        if (patch.name !== undefined && patch.name !== current.name) {
          if (yield* row(sql`SELECT 1 FROM variable WHERE name = ${patch.name}`)) throw taken(patch.name);
        }
        const sets = [sql`updated = ${nowTimestamp()}`];
        if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
        if ("value" in patch) sets.push(sql`value = ${d.json(patch.value)}`);
        if (patch.tags !== undefined) sets.push(sql`tags = ${d.json(patch.tags)}`);
        yield* exec(sql`UPDATE variable SET ${sql.join(sets, sql`, `)} WHERE id = ${current.id}`);
        return yield* readOp({ id: current.id });
      });
    },

    /** The variable deleted; null when there was none. */
    delete(ref: VariableRef): Promise<VariableJson | null> {
      return driver.tx(function* () {
        const current = yield* readOp(ref);
        if (!current) return null;
        yield* exec(sql`DELETE FROM variable WHERE id = ${current.id}`);
        return current;
      });
    },
  };
}

export type VariablesStore = ReturnType<typeof variablesStore>;
