// Opens a database from a spec: bun:sqlite (one connection, so one writer) or a bounded postgres.js pool.
// A database another tool made, or a newer prefect-lite made, is refused before a single byte is written.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import postgres from "postgres";
import type { DbSpec } from "./url.ts";
import { assertOwnedPg, assertOwnedSqlite } from "./ownership.ts";

export interface SqliteHandle {
  dialect: "sqlite";
  spec: Extract<DbSpec, { dialect: "sqlite" }>;
  raw: Database;
  echo: boolean;
  synchronous: SqliteSynchronous;
  close(): Promise<void>;
}

export interface PgHandle {
  dialect: "pg";
  spec: Extract<DbSpec, { dialect: "pg" }>;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export type DbHandle = SqliteHandle | PgHandle;

export interface OpenOptions {
  /** Log every statement (PREFECT_SERVER_DATABASE_ECHO). */
  echo?: boolean;
  /** Statement timeout (PostgreSQL) and busy wait (SQLite), seconds. */
  timeoutSeconds?: number;
  connectTimeoutSeconds?: number;
  poolMax?: number;
  /** SQLite's PRAGMA synchronous (PREFECT_LITE_SQLITE_SYNCHRONOUS); FULL unless told otherwise. */
  synchronous?: SqliteSynchronous;
}

export type SqliteSynchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA";

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
  // Except synchronous: Prefect's NORMAL may lose the last commits to a power cut. FULL syncs the WAL on
  // every commit, and group commit (driver.ts) shares that one fsync among every write of a turn.
  raw.run("PRAGMA journal_mode = WAL");
  raw.run("PRAGMA foreign_keys = ON");
  const synchronous = opts.synchronous ?? "FULL";
  raw.run(`PRAGMA synchronous = ${synchronous}`);
  raw.run("PRAGMA legacy_alter_table = OFF");
  raw.run("PRAGMA cache_size = 20000");
  raw.run(`PRAGMA busy_timeout = ${Math.round((opts.timeoutSeconds ?? 60) * 1000)}`);
  return { dialect: "sqlite", spec, raw, echo: !!opts.echo, synchronous, close: async () => raw.close() };
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
    ...(opts.echo ? { debug: (_conn: number, query: string) => console.log(`[sql] ${query}`) } : {}),
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
  // Date/time values travel as text both ways, never as JavaScript Dates: a Date would drop the
  // microseconds Prefect compares (rows.ts normalises what PostgreSQL prints). JSON parameters are sent already
  // encoded (`$1::jsonb`), so postgres.js must not encode them a second time.
  const passThrough = (v: unknown) => v;
  for (const oid of ["1082", "1083", "1114", "1184"]) {
    sql.options.parsers[oid as never] = passThrough as never;
    sql.options.serializers[oid as never] = passThrough as never; // writes keep microseconds too
  }
  for (const oid of ["114", "3802"]) sql.options.serializers[oid as never] = passThrough as never;
  return { dialect: "pg", spec, sql, close: () => sql.end({ timeout: 5 }) };
}
