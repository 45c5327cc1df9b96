// Opens a database from a spec: bun:sqlite (one connection, so one writer) or a bounded postgres.js pool.
// A database another tool made, or a newer prefect-lite made, is refused before a single byte is written.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle as drizzleLite, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { drizzle as drizzlePg, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as pgSchema from "./schema/pg.ts";
import * as liteSchema from "./schema/sqlite.ts";
import type { DbSpec } from "./url.ts";
import { assertOwnedPg, assertOwnedSqlite } from "./ownership.ts";

export interface SqliteHandle {
  dialect: "sqlite";
  spec: Extract<DbSpec, { dialect: "sqlite" }>;
  raw: Database;
  orm: BunSQLiteDatabase<typeof liteSchema>;
  close(): Promise<void>;
}

export interface PgHandle {
  dialect: "pg";
  spec: Extract<DbSpec, { dialect: "pg" }>;
  sql: postgres.Sql;
  orm: PostgresJsDatabase<typeof pgSchema>;
  close(): Promise<void>;
}

export type DbHandle = SqliteHandle | PgHandle;

export interface OpenOptions {
  echo?: boolean;
  /** Statement timeout (PostgreSQL) and busy wait (SQLite), seconds. */
  timeoutSeconds?: number;
  connectTimeoutSeconds?: number;
  poolMax?: number;
}

export async function openDatabase(spec: DbSpec, opts: OpenOptions = {}): Promise<DbHandle> {
  return spec.dialect === "sqlite" ? openSqlite(spec, opts) : openPg(spec, opts);
}

function openSqlite(spec: Extract<DbSpec, { dialect: "sqlite" }>, opts: OpenOptions): SqliteHandle {
  if (!spec.memory) mkdirSync(dirname(spec.path), { recursive: true, mode: 0o700 });
  const raw = new Database(spec.path, { create: true, strict: true });
  try {
    assertOwnedSqlite(raw);
  } catch (e) {
    raw.close();
    throw e;
  }
  // Prefect's pragmas; WAL lets readers run beside the single writer, busy_timeout absorbs checkpoints.
  raw.run("PRAGMA journal_mode = WAL");
  raw.run("PRAGMA foreign_keys = ON");
  raw.run("PRAGMA synchronous = NORMAL");
  raw.run("PRAGMA legacy_alter_table = OFF");
  raw.run("PRAGMA cache_size = 20000");
  raw.run(`PRAGMA busy_timeout = ${Math.round((opts.timeoutSeconds ?? 60) * 1000)}`);
  const orm = drizzleLite(raw, { schema: liteSchema, logger: !!opts.echo });
  return {
    dialect: "sqlite",
    spec,
    raw,
    orm,
    close: async () => raw.close(),
  };
}

async function openPg(spec: Extract<DbSpec, { dialect: "pg" }>, opts: OpenOptions): Promise<PgHandle> {
  const { search_path, sslmode, application_name, ...rest } = spec.params;
  void rest;
  const sql = postgres({
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password || undefined,
    database: spec.database,
    max: opts.poolMax ?? 15,
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    ssl: sslmode && sslmode !== "disable" ? (sslmode as "require") : false,
    onnotice: () => {},
    connection: {
      TimeZone: "UTC",
      application_name: application_name ?? "prefect-lite",
      ...(search_path ? { search_path } : {}),
      ...(opts.timeoutSeconds ? { statement_timeout: Math.round(opts.timeoutSeconds * 1000) } : {}),
    },
  });
  try {
    await assertOwnedPg(sql);
  } catch (e) {
    await sql.end({ timeout: 1 });
    throw e;
  }
  const orm = drizzlePg(sql, { schema: pgSchema, logger: !!opts.echo });
  return { dialect: "pg", spec, sql, orm, close: () => sql.end({ timeout: 5 }) };
}
