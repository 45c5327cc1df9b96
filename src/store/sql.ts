// The few places where SQLite and PostgreSQL spell SQL differently, as fragments repositories compose
// with drizzle's `sql` tag. Everything else in the store is plain SQL both dialects accept.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";

export interface Fragments {
  dialect: "sqlite" | "pg";
  /** A JSON value as a parameter (text in SQLite, jsonb in PostgreSQL). */
  json(value: unknown): SQL;
  /** A JSON array column containing at least one of `values`. */
  jsonHasAny(column: SQL, values: string[]): SQL;
  /** A JSON array column containing every one of `values`. */
  jsonHasAll(column: SQL, values: string[]): SQL;
  /** A JSON array column with no elements. */
  jsonEmpty(column: SQL): SQL;
  /** The text at `keys` inside a JSON column (null when absent); keys hold no quote, comma or brace. */
  jsonText(column: SQL, keys: string[]): SQL;
  /** Case-insensitive substring match (Prefect's like_). */
  /** Case-insensitive substring match (Prefect's like_). */
  contains(column: SQL, text: string): SQL;
  /** Case-insensitive prefix match (Prefect's startswith_). */
  startsWith(column: SQL, prefix: string): SQL;
  /** Lock the selected row until the transaction ends (PostgreSQL); SQLite's writer already holds the lock. */
  forUpdate: SQL;
  /** The same, for a query that joins other tables: only `table`'s row is locked. */
  forUpdateOf(table: string): SQL;
  /**
   * A lock that still lets other transactions insert rows referencing this one (PostgreSQL's foreign
   * key checks take KEY SHARE, which FOR UPDATE blocks: a worker's heartbeat against a locked pool).
   */
  forNoKeyUpdate: SQL;
  /** Lock what is free and leave what another transaction holds (a poll marking rows another poll is marking). */
  skipLocked: SQL;
  /** A timestamp column or parameter as float seconds since the epoch. */
  epoch(value: SQL): SQL;
  /**
   * A GROUP BY key that must not steer the index choice. SQLite cannot estimate a range on a bound
   * parameter and would rather scan a whole state index to skip the grouping sort (1 s at a million
   * runs) than read the few rows in the time window; a unary + hides the column from that choice.
   */
  groupKey(column: SQL): SQL;
}

export const raw = (s: string) => sql.raw(s);

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const sqlite: Fragments = {
  dialect: "sqlite",
  json: (v) => sql`${JSON.stringify(v ?? null)}`,
  jsonHasAny: (c, vs) =>
    sql`EXISTS (SELECT 1 FROM json_each(${c}) WHERE json_each.value IN (${sql.join(
      vs.map((v) => sql`${v}`),
      sql`, `,
    )}))`,
  jsonHasAll: (c, vs) =>
    sql`(SELECT count(DISTINCT json_each.value) FROM json_each(${c}) WHERE json_each.value IN (${sql.join(
      vs.map((v) => sql`${v}`),
      sql`, `,
    )})) = ${new Set(vs).size}`,
  jsonEmpty: (c) => sql`json_array_length(${c}) = 0`,
  jsonText: (c, keys) => sql`json_extract(${c}, ${`$${keys.map((k) => `."${k}"`).join("")}`})`,
  // LIKE ignores ASCII case on SQLite, as ILIKE does on PostgreSQL (Prefect's ilike).
  contains: (c, t) => sql`${c} LIKE ${`%${escapeLike(t)}%`} ESCAPE '\\'`,
  startsWith: (c, t) => sql`${c} LIKE ${`${escapeLike(t)}%`} ESCAPE '\\'`,
  forUpdate: sql``,
  forUpdateOf: () => sql``,
  forNoKeyUpdate: sql``,
  skipLocked: sql``,
  epoch: (v) => sql`unixepoch(${v}, 'subsec')`,
  groupKey: (c) => sql`+${c}`,
};

const pg: Fragments = {
  dialect: "pg",
  json: (v) => sql`${JSON.stringify(v ?? null)}::jsonb`,
  jsonHasAny: (c, vs) => sql`${c} ?| ${toPgTextArray(vs)}`,
  jsonHasAll: (c, vs) => sql`${c} @> ${JSON.stringify(vs)}::jsonb`,
  jsonEmpty: (c) => sql`jsonb_array_length(${c}) = 0`,
  jsonText: (c, keys) => sql`(${c} #>> ${`{${keys.join(",")}}`}::text[])`,
  contains: (c, t) => sql`${c} ILIKE ${`%${escapeLike(t)}%`}`,
  startsWith: (c, t) => sql`${c} ILIKE ${`${escapeLike(t)}%`}`,
  forUpdate: sql` FOR UPDATE`,
  forUpdateOf: (table) => sql.raw(` FOR UPDATE OF ${table}`),
  forNoKeyUpdate: sql` FOR NO KEY UPDATE`,
  skipLocked: sql` FOR NO KEY UPDATE SKIP LOCKED`,
  epoch: (v) => sql`extract(epoch from ${v})::float8`,
  groupKey: (c) => c,
};

function toPgTextArray(values: string[]): SQL {
  return sql`ARRAY[${sql.join(
    values.map((v) => sql`${v}::text`),
    sql`, `,
  )}]`;
}

export const fragmentsFor = (dialect: "sqlite" | "pg"): Fragments => (dialect === "sqlite" ? sqlite : pg);

/** AND of the given conditions (TRUE when there are none). */
export function and(conds: SQL[]): SQL {
  if (!conds.length) return sql`1 = 1`;
  return conds.length === 1 ? conds[0] : sql`(${sql.join(conds, sql` AND `)})`;
}

export function or(conds: SQL[]): SQL {
  if (!conds.length) return sql`1 = 1`;
  return conds.length === 1 ? conds[0] : sql`(${sql.join(conds, sql` OR `)})`;
}

export const list = (values: unknown[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
