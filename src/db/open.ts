// Opens a database from a spec: bun:sqlite (one connection, so one writer) or a bounded postgres.js pool.
// A database another tool made, or a newer prefect-lite made, is refused before a single byte is written.
import { Database } from "bun:sqlite";
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import postgres from "postgres";
import { AppError } from "../core/errors.ts";
import { errorText } from "../core/logger.ts";
import { maskCredentials } from "../core/redact.ts";
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
  let raw: Database | undefined;
  try {
    if (!spec.memory) mkdirSync(dirname(spec.path), { recursive: true, mode: 0o700 });
    raw = new Database(spec.path, { create: true, strict: true });
    assertOwnedSqlite(raw);
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
    const db = raw;
    return { dialect: "sqlite", spec, raw: db, echo: !!opts.echo, synchronous, close: async () => db.close() };
  } catch (e) {
    raw?.close();
    throw e instanceof AppError ? e : sqliteOpenError(spec.path, e);
  }
}

const URL_SETTING = "PREFECT_API_DATABASE_CONNECTION_URL";
const WHERE_TO = `Set PREFECT_HOME (or ${URL_SETTING}) to a directory you can write.`;

const kindOf = (p: string): "dir" | "file" | null => {
  try {
    return statSync(p).isDirectory() ? "dir" : "file";
  } catch {
    return null;
  }
};

const writable = (p: string): boolean => {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * One sentence naming the path and the cause. bun:sqlite says "unable to open database file" alike for a
 * directory, a missing permission and a file in the middle of the path, so the path itself is examined.
 */
function sqliteOpenError(path: string, e: unknown): AppError {
  const code = String((e as { code?: unknown })?.code ?? "");
  const dir = dirname(path);
  // The deepest part of the path that exists: where creating the rest failed.
  let existing = dir;
  while (kindOf(existing) === null && dirname(existing) !== existing) existing = dirname(existing);
  const denied = (what: string) => `permission denied (${what}). ${WHERE_TO}`;
  let why: string;
  if (code === "SQLITE_NOTADB") {
    why = `it is not a SQLite database (file is not a database). Move it away, or point ${URL_SETTING} at another file.`;
  } else if (code === "SQLITE_CORRUPT") {
    why = "the file is damaged (database disk image is malformed). Restore a backup, or move it away.";
  } else if (kindOf(path) === "dir") {
    why = `it is a directory, not a SQLite database file. Point ${URL_SETTING} at a file.`;
  } else if (kindOf(existing) === "file") {
    why = `'${existing}' is a file, not a directory. ${WHERE_TO}`;
  } else if (code === "EROFS" || /read-only file system/i.test(errorText(e))) {
    why = `read-only file system. ${WHERE_TO}`;
  } else if (kindOf(path) === "file" && !writable(path)) {
    why = denied(`'${path}' is not writable`);
  } else if (kindOf(path) === null && !writable(existing)) {
    why = denied(`cannot create files in '${existing}'`);
  } else if (!writable(dir) || code === "SQLITE_READONLY_DIRECTORY") {
    // A WAL database needs its -wal and -shm files beside it: an existing file in a read-only directory
    // cannot be opened either.
    why = denied(`cannot create files in '${dir}'`);
  } else if (code === "EACCES" || code === "EPERM") {
    why = `permission denied. ${WHERE_TO}`;
  } else if (code.startsWith("SQLITE_READONLY")) {
    why = `it is read-only (attempt to write a readonly database). ${WHERE_TO}`;
  } else {
    why = errorText(e);
  }
  return Object.assign(new AppError("unavailable", `Cannot open the SQLite database '${path}': ${why}`), { cause: e });
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
  // postgres.js's connect_timeout did not fire under Bun for a host that drops packets (measured: with
  // a 2 s timeout, `server database status` against the blackholed 10.255.255.1 still hung after 60 s),
  // so the first query has a deadline of its own.
  const seconds = opts.connectTimeoutSeconds ?? 5;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const timedOut = Object.assign(new Error(`no answer within ${seconds}s`), { code: "CONNECT_TIMEOUT" });
    timer = setTimeout(() => reject(timedOut), seconds * 1000 + 1000);
  });
  try {
    await Promise.race([assertOwnedPg(sql), deadline]);
  } catch (e) {
    await Promise.race([sql.end({ timeout: 1 }).catch(() => {}), Bun.sleep(1000)]);
    throw e instanceof AppError ? e : pgConnectError(spec, e, seconds);
  } finally {
    clearTimeout(timer);
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

/** What went wrong reaching PostgreSQL, naming the database as the banner does (password hidden). */
function pgConnectError(spec: Extract<DbSpec, { dialect: "pg" }>, e: unknown, seconds: number): AppError {
  const err = e as { code?: unknown; name?: string };
  const code = String(err?.code ?? "");
  const own = errorText(e).replace(/^PostgresError: /, "");
  const fail = (message: string) => Object.assign(new AppError("unavailable", maskCredentials(message)), { cause: e });
  // Connected, but the ownership check's first query was refused (a missing privilege, …).
  if (err?.name === "PostgresError" && !/^(28|3D)/.test(code)) {
    return fail(`Could not use the database ${spec.display}: ${own}`);
  }
  let why: string;
  if (code === "ECONNREFUSED") {
    why = `connection refused. Is PostgreSQL running there? Check the host and port in ${URL_SETTING}.`;
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    why = `host '${spec.host}' not found. Check the host in ${URL_SETTING}.`;
  } else if (code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT") {
    const setting = "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT";
    why = `no answer within ${seconds}s. Check the host, the port and any firewall (${setting} sets the wait).`;
  } else if (code.startsWith("28")) {
    why = `${own}. Check the user and password.`; // 28P01 wrong password, 28000 no such role
  } else if (code === "3D000") {
    why = `${own}. Create it, or point ${URL_SETTING} at an existing database.`;
  } else {
    why = errorText(e);
  }
  return fail(`Could not connect to the database ${spec.display}: ${why}`);
}
