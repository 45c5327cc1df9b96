// Rows come back differently per dialect: SQLite gives JSON as text and booleans as 0/1, PostgreSQL gives
// timestamptz as "2026-08-21 12:00:00.1+00" and counts as strings. decodeRow makes them one shape, so
// repositories never look at the dialect.
//
// How each column decodes is read from the tables themselves (schema/pg.ts; schema/parity.ts keeps the
// SQLite tables the same shape): a row codec per table, merged for a join, given with the statement
// (driver.ts's rows/row). A statement without its own codec decodes by any table's column of that name,
// plus the aggregate names stores select (count, runs, …).
import { type Column, getTableColumns, getTableName, type Table } from "drizzle-orm";
import { normalizePgTimestamp } from "./pg-time.ts";
import * as tables from "./schema/pg.ts";

export type ColumnKind = "json" | "timestamp" | "boolean" | "number";
export type RowCodec = ReadonlyMap<string, ColumnKind>;

function kindOf(column: Column): ColumnKind | null {
  if (column.columnType === "PgJsonb") return "json";
  if (column.getSQLType() === "timestamp with time zone") return "timestamp";
  if (column.columnType === "PgBoolean") return "boolean";
  if (column.columnType === "PgInteger" || column.columnType === "PgDoublePrecision") return "number";
  return null;
}

function tableKinds(table: Table, prefix = ""): Array<[string, ColumnKind]> {
  const out: Array<[string, ColumnKind]> = [];
  for (const column of Object.values(getTableColumns(table))) {
    const kind = kindOf(column);
    if (kind) out.push([`${prefix}${column.name}`, kind]);
  }
  return out;
}

/** A codec from tables (optionally with a prefix on their column names, for joined aliases) and names. */
export function rowCodec(...parts: Array<Table | [Table, string] | Record<string, ColumnKind>>): RowCodec {
  const codec = new Map<string, ColumnKind>();
  for (const part of parts) {
    const kinds = Array.isArray(part)
      ? tableKinds(part[0], part[1])
      : isTable(part)
        ? tableKinds(part)
        : Object.entries(part);
    for (const [name, kind] of kinds) codec.set(name, kind);
  }
  return codec;
}

function isTable(v: unknown): v is Table {
  if (typeof v !== "object" || v === null) return false;
  try {
    return typeof getTableName(v as Table) === "string";
  } catch {
    return false;
  }
}

const TABLES: Table[] = (Object.values(tables) as unknown[]).filter((v): v is Table => isTable(v));

/** Each table's codec, by its SQL name (flow_run, log, events, …). */
export const TABLE_CODECS: Readonly<Record<string, RowCodec>> = Object.fromEntries(
  TABLES.map((t) => [getTableName(t), rowCodec(t)]),
);

/**
 * A run's current state joined in under state_* names (store/run-shapes.ts): state_details becomes
 * state_state_details, data state_data. Both state tables have the same columns.
 */
const RUN_STATE_JOIN = rowCodec([tables.flowRunState, "state_"]);

/** Aggregates and aliases the stores select under their own names. */
const SELECTED_NAMES: Record<string, ColumnKind> = { count: "number", runs: "number", n: "number" };

/**
 * For statements that give no codec: every table's columns (a name means the same kind in every table,
 * checked below) and the selected names.
 */
export const ANY_ROW: RowCodec = (() => {
  const codec = new Map<string, ColumnKind>();
  for (const t of TABLES) {
    for (const [name, kind] of tableKinds(t)) {
      const seen = codec.get(name);
      if (seen && seen !== kind)
        throw new Error(`column ${name} is ${seen} in one table and ${kind} in ${getTableName(t)}`);
      codec.set(name, kind);
    }
  }
  for (const [name, kind] of [...Object.entries(SELECTED_NAMES), ...RUN_STATE_JOIN]) codec.set(name, kind);
  return codec;
})();

export function decodeRow(
  r: Record<string, unknown>,
  dialect: "sqlite" | "pg",
  codec: RowCodec = ANY_ROW,
): Record<string, unknown> {
  for (const key in r) {
    const v = r[key];
    if (v === null || v === undefined) continue;
    switch (codec.get(key)) {
      case "json":
        if (typeof v === "string" && dialect === "sqlite") r[key] = JSON.parse(v);
        break;
      case "timestamp":
        if (dialect === "pg")
          r[key] = typeof v === "string" ? normalizePgTimestamp(v) : (v as Date).toISOString().replace("Z", "000Z");
        break;
      case "boolean":
        r[key] = v === true || v === 1;
        break;
      case "number":
        if (typeof v === "string") r[key] = Number(v);
        break;
    }
  }
  return r;
}
