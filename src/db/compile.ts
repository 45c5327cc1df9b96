// Turns a drizzle `sql` object into query text and parameters. drizzle's own sqlToQuery opens a tracing
// span, copies its config and merges an array per chunk; on set_state that was a quarter of the server's
// CPU. The store only builds statements from sql``, sql.raw and sql.join (text, nested SQL and plain
// values), which this walks directly; anything else (columns, tables, placeholders, encoded params) goes
// to drizzle's compiler, so the result is always drizzle's.
import { SQL, StringChunk, type Query } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";

export type Dialect = "sqlite" | "pg";

const fallback = { sqlite: new SQLiteSyncDialect(), pg: new PgDialect() };

/** Thrown inside the walk when a chunk is of a kind this compiler leaves to drizzle. */
const UNSUPPORTED = Symbol("unsupported chunk");

export function compile(statement: SQL, dialect: Dialect): Query {
  const text: string[] = [];
  const params: unknown[] = [];
  const pg = dialect === "pg";
  const walk = (chunks: unknown[]): void => {
    for (const chunk of chunks) {
      if (chunk instanceof StringChunk) {
        const v = chunk.value;
        text.push(v.length === 1 ? v[0] : v.join(""));
      } else if (chunk instanceof SQL) {
        if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams) throw UNSUPPORTED;
        walk(chunk.queryChunks);
      } else if (chunk === undefined) {
        // drizzle renders undefined as nothing
      } else if (chunk === null || typeof chunk !== "object") {
        params.push(chunk);
        text.push(pg ? `$${params.length}` : "?");
      } else if (Array.isArray(chunk)) {
        text.push("(");
        chunk.forEach((item, i) => {
          if (i) text.push(", ");
          walk([item]);
        });
        text.push(")");
      } else if (chunk instanceof Date || ArrayBuffer.isView(chunk)) {
        params.push(chunk);
        text.push(pg ? `$${params.length}` : "?");
      } else {
        throw UNSUPPORTED;
      }
    }
  };
  try {
    walk(statement.queryChunks);
  } catch (e) {
    if (e !== UNSUPPORTED) throw e;
    return fallback[dialect].sqlToQuery(statement);
  }
  return { sql: text.join(""), params };
}
