// The pieces of Prefect's filter grammar: each field kind (ids, names, tags, times, states, …) as the
// request model the API validates with and the SQL condition it means, side by side, and resource() that
// joins a resource's fields under its operator. store/filters.ts and store/work-pool-filters.ts build
// Prefect's resource filters from them. Unknown keys pass the models (newer clients keep working) and
// mean nothing. One SQL text for both dialects; the few differences come from Fragments.
import type { SQL } from "drizzle-orm";
import { type TSchema, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { normalizeTimestamp } from "../core/time.ts";
import { sql } from "../db/sql-tag.ts";
import { STATE_TYPES } from "../orchestration/states.ts";
import { Uuid } from "../schemas/common.ts";
import { and, type Fragments, list, or, raw } from "./sql.ts";

type Json = JsonObject;
type Builder = (f: Json, d: Fragments) => SQL[];

// ---------------------------------------------------------------------------------------------------
// Models

export const opt = <T extends TSchema>(s: T) => t.Optional(t.Union([s, t.Null()]));
/**
 * The most values one `any_`/`all_` list may hold. Each value is a bound parameter, and a statement may
 * have at most 65,535 of them on PostgreSQL; this keeps several lists in one filter under that.
 */
export const MAX_FILTER_LIST = 5_000;
export const listOf = <T extends TSchema>(s: T) => opt(t.Array(s, { maxItems: MAX_FILTER_LIST }));
export const obj = (props: Record<string, TSchema>) => t.Object(props, { additionalProperties: true });
export const Operator = opt(t.UnionEnum(["and_", "or_"]));
export const Str = t.String();
export const Bool = t.Boolean();
const StateType = t.UnionEnum([...STATE_TYPES]);

// ---------------------------------------------------------------------------------------------------
// SQL pieces

export const present = (v: unknown): boolean => v !== undefined && v !== null;

/** Combines a filter object's own conditions with its `operator` (and_ by default). */
export function combine(f: Json | undefined | null, conds: SQL[]): SQL[] {
  if (!conds.length) return [];
  return [f?.operator === "or_" ? or(conds) : and(conds)];
}

function ts(value: unknown, path: string[]): string {
  const n = typeof value === "string" ? normalizeTimestamp(value) : null;
  if (!n)
    throw invalidFields(`Invalid datetime in ${path.join(".")}: ${JSON.stringify(value)}`, [
      { path, msg: "Input should be a valid datetime", type: "datetime_parsing" },
    ]);
  return n;
}

export function anyOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`${col} IN (${list(values)})` : sql`1 = 0`;
}

export function noneOf(col: SQL, values: unknown[]): SQL {
  return values.length ? sql`(${col} IS NULL OR ${col} NOT IN (${list(values)}))` : sql`1 = 1`;
}

export function anyNotAny(col: SQL, f: Json): SQL[] {
  const conds: SQL[] = [];
  if (present(f.any_)) conds.push(anyOf(col, f.any_));
  if (present(f.not_any_)) conds.push(noneOf(col, f.not_any_));
  return conds;
}

// ---------------------------------------------------------------------------------------------------
// Fields: a model and its SQL. `path` names the field inside the request body, for errors.

export interface Field {
  model: TSchema;
  sql(f: Json, d: Fragments, path: string[]): SQL[];
}

/** any_ / not_any_ of ids (or of another item type). */
export const ids = (col: string, item: TSchema = Uuid): Field => ({
  model: opt(obj({ any_: listOf(item), not_any_: listOf(item) })),
  sql: (f) => anyNotAny(raw(col), f),
});

/** any_ alone. */
export const anyOnly = (col: string, item: TSchema): Field => ({
  model: opt(obj({ any_: listOf(item) })),
  sql: (f) => (f.any_ ? [anyOf(raw(col), f.any_)] : []),
});

/** any_ and like_ (a case-insensitive substring; Prefect applies it only when not empty). */
export const names = (col: string): Field => ({
  model: opt(obj({ any_: listOf(Str), like_: opt(Str) })),
  sql: (f, d) => [...anyNotAny(raw(col), f), ...(f.like_ ? [d.contains(raw(col), String(f.like_))] : [])],
});

/** Tags: all_ (an empty list is no condition), any_ (an empty list matches nothing), is_null_. */
export const tags = (col: string): Field => ({
  model: opt(obj({ operator: Operator, all_: listOf(Str), any_: listOf(Str), is_null_: opt(Bool) })),
  sql: (f, d) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.all_) && f.all_.length) conds.push(d.jsonHasAll(c, f.all_));
    if (present(f.any_)) conds.push(f.any_.length ? d.jsonHasAny(c, f.any_) : sql`1 = 0`);
    if (present(f.is_null_)) conds.push(f.is_null_ ? d.jsonEmpty(c) : sql`NOT ${d.jsonEmpty(c)}`);
    return combine(f, conds);
  },
});

/** before_ / after_ (inclusive) and, where Prefect has it, is_null_. */
export const times = (col: string, withNull = true): Field => ({
  model: opt(obj({ before_: opt(Str), after_: opt(Str), ...(withNull ? { is_null_: opt(Bool) } : {}) })),
  sql: (f, _d, path) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.before_)) conds.push(sql`${c} <= ${ts(f.before_, [...path, "before_"])}`);
    if (present(f.after_)) conds.push(sql`${c} >= ${ts(f.after_, [...path, "after_"])}`);
    if (withNull && present(f.is_null_)) conds.push(f.is_null_ ? sql`${c} IS NULL` : sql`${c} IS NOT NULL`);
    return conds;
  },
});

/** any_ and is_null_ on a nullable column. */
export const nullable = (col: string, item: TSchema, withOperator = true): Field => ({
  model: opt(obj({ ...(withOperator ? { operator: Operator } : {}), any_: listOf(item), is_null_: opt(Bool) })),
  sql: (f) => {
    const c = raw(col);
    const conds: SQL[] = [];
    if (present(f.any_)) conds.push(anyOf(c, f.any_));
    if (present(f.is_null_)) conds.push(f.is_null_ ? sql`${c} IS NULL` : sql`${c} IS NOT NULL`);
    return combine(f, conds);
  },
});

/** The current state's type and name. */
export const state = (table: string): Field => ({
  model: opt(
    obj({
      operator: Operator,
      type: opt(obj({ any_: listOf(StateType), not_any_: listOf(StateType) })),
      name: opt(obj({ any_: listOf(Str), not_any_: listOf(Str) })),
    }),
  ),
  sql: (f) => {
    const conds: SQL[] = [];
    if (f.type) conds.push(...anyNotAny(raw(`${table}.state_type`), f.type));
    if (f.name) conds.push(...anyNotAny(raw(`${table}.state_name`), f.name));
    return combine(f, conds);
  },
});

/** A resource's filter: its fields' models as one model, their conditions joined by its operator. */
export function resource(bodyKey: string, fields: Record<string, Field>, withOperator = true) {
  const props: Record<string, TSchema> = withOperator ? { operator: Operator } : {};
  for (const [key, field] of Object.entries(fields)) props[key] = field.model;
  const conditions: Builder = (f, d) =>
    combine(
      f,
      Object.entries(fields).flatMap(([key, field]) => (present(f[key]) ? field.sql(f[key], d, [bodyKey, key]) : [])),
    );
  return { model: opt(obj(props)), conditions };
}
