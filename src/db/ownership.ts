// Whose database is this? prefect-lite only touches an empty database or one it migrated itself with
// revisions it knows. Prefect's own server database (alembic_version) and anything else are refused.
import type { Database } from "bun:sqlite";
import type postgres from "postgres";
import { AppError } from "../core/errors.ts";
import { knownRevisionIds, MIGRATIONS_TABLE } from "./revisions.ts";

export function classify(tables: string[], applied: string[] | null, known: Set<string>): void {
  if (tables.includes(MIGRATIONS_TABLE)) {
    const unknown = (applied ?? []).filter((id) => !known.has(id));
    if (unknown.length) {
      throw new AppError(
        "conflict",
        `This database was migrated by a newer prefect-lite (revision ${unknown.join(", ")} is unknown to this version). ` +
          "Upgrade prefect-lite, or point PREFECT_API_DATABASE_CONNECTION_URL at another database. Nothing was changed.",
      );
    }
    return;
  }
  if (tables.includes("alembic_version")) {
    throw new AppError(
      "conflict",
      "This database was created by Prefect's Python server (it has an alembic_version table); prefect-lite keeps its own schema " +
        "and will not modify it. Point PREFECT_API_DATABASE_CONNECTION_URL at a new database. Nothing was changed.",
    );
  }
  if (tables.length) {
    const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? ", …" : "");
    throw new AppError(
      "conflict",
      `This database already holds tables prefect-lite did not create (${shown}); it will not modify it. ` +
        "Point PREFECT_API_DATABASE_CONNECTION_URL at a new or empty database. Nothing was changed.",
    );
  }
}

export function assertOwnedSqlite(raw: Database): void {
  const tables = raw
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((r) => r.name);
  const applied = tables.includes(MIGRATIONS_TABLE)
    ? raw
        .query<{ id: string }, []>(`SELECT id FROM ${MIGRATIONS_TABLE}`)
        .all()
        .map((r) => r.id)
    : null;
  classify(tables, applied, knownRevisionIds("sqlite"));
}

export async function assertOwnedPg(sql: postgres.Sql): Promise<void> {
  const rows = await sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  const tables = rows.map((r) => r.table_name);
  const applied = tables.includes(MIGRATIONS_TABLE)
    ? (await sql.unsafe<{ id: string }[]>(`SELECT id FROM ${MIGRATIONS_TABLE}`)).map((r) => r.id)
    : null;
  classify(tables, applied, knownRevisionIds("pg"));
}
