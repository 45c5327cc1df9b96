// The servers under test and their databases: prefect-lite (compiled binary) and Prefect's own Python
// server, each on SQLite (its own file) and on PostgreSQL (its own database in one throwaway cluster the
// harness starts). Start (timed to the first 200 on /api/health), stop, pause/resume (SIGSTOP/SIGCONT, so
// a server that is not being measured takes no CPU), RSS and CPU of the process tree, migrations.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildBinaryInto,
  cpuSeconds,
  cpuTreeSeconds,
  descendants,
  freePort,
  loadAvg,
  log,
  machine,
  ROOT,
  rssTreeMb,
  sleep,
} from "./util.ts";

export type ServerName = "lite-sqlite" | "lite-pg" | "prefect-sqlite" | "prefect-pg";
export const ALL_SERVERS: ServerName[] = ["lite-sqlite", "prefect-sqlite", "lite-pg", "prefect-pg"];
export const implOf = (n: ServerName) => (n.startsWith("lite") ? "lite" : "prefect") as "lite" | "prefect";
export const dialectOf = (n: ServerName) => (n.endsWith("pg") ? "pg" : "sqlite") as "sqlite" | "pg";
/** The other implementation on the same database: lite-sqlite ↔ prefect-sqlite. */
export const peerOf = (n: ServerName): ServerName =>
  `${implOf(n) === "lite" ? "prefect" : "lite"}-${dialectOf(n)}` as ServerName;

export const PREFECT_BIN = join(ROOT, ".venv", "bin", "prefect");
export const PYTHON_BIN = join(ROOT, ".venv", "bin", "python");
export let LITE_BIN = join(ROOT, "dist", "prefect-lite");
export function setLiteBin(p: string) {
  LITE_BIN = p;
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: one cluster for the whole run, a database per server (and per seeded scale).

const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface PgCluster {
  port: number;
  dir: string;
  /** postgresql://postgres@127.0.0.1:PORT/<db> */
  url(db: string): string;
  createDb(name: string): void;
  dropDb(name: string): void;
  psql(sql: string, db?: string): string;
  /** The postmaster and its backends, for CPU accounting. */
  pids(): number[];
  stop(): void;
}

function run(cmd: string[], asPostgres = false): string {
  const full = asPostgres && process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const r = Bun.spawnSync(full, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
  return r.stdout.toString();
}

export const pgAvailable = () => existsSync(join(PG_BIN, "initdb"));

/**
 * A cluster with stock durability (fsync on, synchronous_commit on — what a user runs), a 256 MB buffer
 * cache and room for both servers' pools. Owned by the postgres user when the harness runs as root.
 */
export async function startPg(): Promise<PgCluster> {
  if (!pgAvailable()) throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN}`);
  const dir = mkdtempSync(join(tmpdir(), "pl-bench-pg-"));
  const root = process.getuid?.() === 0;
  if (root) {
    chmodSync(dir, 0o777);
    run(["chown", "postgres:postgres", dir]);
  }
  const data = join(dir, "data");
  run([join(PG_BIN, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], true);
  const port = await freePort();
  const opts = [
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
    "-c max_connections=200 -c shared_buffers=256MB -c work_mem=16MB -c maintenance_work_mem=256MB",
    "-c max_wal_size=4GB -c checkpoint_timeout=15min",
  ].join(" ");
  run([join(PG_BIN, "pg_ctl"), "-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"], true);
  const postmasterPid = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const psql = (sql: string, db = "postgres") =>
    run([
      join(PG_BIN, "psql"),
      "-X",
      "-q",
      "-t",
      "-A",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      db,
      "-c",
      sql,
    ]);
  const cluster: PgCluster = {
    port,
    dir,
    url: (db) => `postgresql://postgres@127.0.0.1:${port}/${db}`,
    createDb(name) {
      psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      psql(`CREATE DATABASE "${name}"`);
      psql("CREATE EXTENSION IF NOT EXISTS pg_trgm", name);
    },
    dropDb(name) {
      try {
        psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } catch {}
    },
    psql,
    pids() {
      try {
        const pm = postmasterPid();
        return [pm, ...descendants(pm)];
      } catch {
        return [];
      }
    },
    stop() {
      try {
        run([join(PG_BIN, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], true);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cleanups.add(() => cluster.stop());
  return cluster;
}

// ---------------------------------------------------------------------------------------------------
// Databases a server runs on.

export type DbTarget = { dialect: "sqlite"; path: string } | { dialect: "pg"; name: string; cluster: PgCluster };

/** A fresh, empty database for a server: a new SQLite file path, or a new PostgreSQL database. */
export function freshDb(server: ServerName, work: string, tag: string, pg: PgCluster | null): DbTarget {
  if (dialectOf(server) === "sqlite") {
    const dir = join(work, `${server}-${tag}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return { dialect: "sqlite", path: join(dir, "prefect.db") };
  }
  if (!pg) throw new Error(`${server} needs PostgreSQL`);
  const name = `${server.replace("-", "_")}_${tag}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  pg.createDb(name);
  return { dialect: "pg", name, cluster: pg };
}

export function dbUrl(db: DbTarget): string {
  return db.dialect === "sqlite"
    ? `sqlite+aiosqlite:///${db.path}`
    : db.cluster.url(db.name).replace(/^postgresql:/, "postgresql+asyncpg:");
}

export function dropDb(db: DbTarget) {
  if (db.dialect === "sqlite") rmSync(join(db.path, ".."), { recursive: true, force: true });
  else db.cluster.dropDb(db.name);
}

function serverEnv(server: ServerName, home: string, db: DbTarget): Record<string, string> {
  const url = dbUrl(db);
  const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PREFECT_HOME: home, LANG: "C.UTF-8" };
  return implOf(server) === "lite"
    ? {
        ...base,
        PREFECT_API_DATABASE_CONNECTION_URL: url,
        ...(process.env.PREFECT_LITE_SQLITE_SYNCHRONOUS
          ? { PREFECT_LITE_SQLITE_SYNCHRONOUS: process.env.PREFECT_LITE_SQLITE_SYNCHRONOUS }
          : {}),
      }
    : {
        ...base,
        PREFECT_SERVER_DATABASE_CONNECTION_URL: url,
        PREFECT_SERVER_ANALYTICS_ENABLED: "false",
        PREFECT_SERVER_LOGGING_LEVEL: "WARNING",
      };
}

function serverCmd(server: ServerName, port: number): string[] {
  return implOf(server) === "lite"
    ? [LITE_BIN, "server", "start", "--port", String(port)]
    : [PREFECT_BIN, "server", "start", "--port", String(port), "--no-ui", "--analytics-off"];
}

/** Applies the server's own migrations to an empty database (its CLI, as a user would), without serving. */
export function migrate(server: ServerName, db: DbTarget, home: string) {
  mkdirSync(home, { recursive: true });
  const cmd =
    implOf(server) === "lite"
      ? [LITE_BIN, "server", "database", "upgrade", "-y"]
      : [PREFECT_BIN, "server", "database", "upgrade", "-y"];
  const r = Bun.spawnSync(cmd, { env: serverEnv(server, home, db), stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0)
    throw new Error(
      `${server}: migration failed: ${r.stderr.toString().slice(-2000)}${r.stdout.toString().slice(-1000)}`,
    );
}

// ---------------------------------------------------------------------------------------------------
// Running servers.

export interface RunningServer {
  name: ServerName;
  pid: number;
  port: number;
  base: string; // http://127.0.0.1:PORT
  api: string; // http://127.0.0.1:PORT/api
  home: string;
  db: DbTarget;
  logPath: string;
  /** Cold start: spawn to the first 200 on /api/health, ms. */
  startMs: number;
  paused: boolean;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  rssMb(): number;
  /** CPU seconds of the server tree plus, for PostgreSQL, the whole cluster (its backends do the work). */
  cpu(): { server: number; db: number };
}

const running = new Set<RunningServer>();
const cleanups = new Set<() => void>();

export function cleanupAll() {
  for (const s of running) {
    try {
      for (const p of [s.pid, ...descendants(s.pid)]) process.kill(p, "SIGCONT");
      for (const p of [s.pid, ...descendants(s.pid)]) process.kill(p, "SIGKILL");
    } catch {}
  }
  running.clear();
  for (const c of cleanups) {
    try {
      c();
    } catch {}
  }
  cleanups.clear();
}

function signalTree(pid: number, sig: NodeJS.Signals) {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, sig);
    } catch {}
  }
}

export interface StartOptions {
  db: DbTarget;
  home?: string;
  timeoutMs?: number;
  /** Poll interval for /api/health while starting. */
  pollMs?: number;
}

export async function startServer(name: ServerName, opts: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const home = opts.home ?? mkdtempSync(join(tmpdir(), `pl-bench-home-`));
  mkdirSync(home, { recursive: true });
  const logPath = join(home, `${name}-${port}.log`);
  const t0 = performance.now();
  const proc = Bun.spawn(serverCmd(name, port), {
    env: serverEnv(name, home, opts.db),
    stdout: Bun.file(logPath),
    stderr: Bun.file(`${logPath}.err`),
    stdin: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = t0 + (opts.timeoutMs ?? 120_000);
  let startMs = NaN;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) break;
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      startMs = performance.now() - t0;
      break;
    }
    await sleep(opts.pollMs ?? 2);
  }
  if (!Number.isFinite(startMs)) {
    proc.kill("SIGKILL");
    await proc.exited;
    const err = existsSync(`${logPath}.err`) ? readFileSync(`${logPath}.err`, "utf8").slice(-2000) : "";
    throw new Error(`${name} did not answer /api/health (exit ${proc.exitCode}): ${err}`);
  }
  const s: RunningServer = {
    name,
    pid: proc.pid,
    port,
    base,
    api: `${base}/api`,
    home,
    db: opts.db,
    logPath,
    startMs,
    paused: false,
    pause() {
      if (!this.paused) signalTree(proc.pid, "SIGSTOP");
      this.paused = true;
    },
    resume() {
      if (this.paused) signalTree(proc.pid, "SIGCONT");
      this.paused = false;
    },
    async stop() {
      this.resume();
      signalTree(proc.pid, "SIGTERM");
      const killer = setTimeout(() => signalTree(proc.pid, "SIGKILL"), 15_000);
      await proc.exited;
      clearTimeout(killer);
      running.delete(s);
    },
    rssMb: () => rssTreeMb(proc.pid),
    cpu: () => ({
      server: cpuTreeSeconds(proc.pid),
      db: opts.db.dialect === "pg" ? cpuSeconds(opts.db.cluster.pids()) : 0,
    }),
  };
  running.add(s);
  return s;
}

/** Problems the server wrote to its own log: lock errors, tracebacks/ERROR lines. */
export function serverLogProblems(s: RunningServer): {
  locked: number;
  errors: number;
  dropped: number;
  sample: string | null;
} {
  let text = "";
  for (const p of [s.logPath, `${s.logPath}.err`]) if (existsSync(p)) text += readFileSync(p, "utf8");
  const locked = (text.match(/database is locked/gi) ?? []).length;
  // Prefect's in-memory message broker drops events when a subscription queue (10 000) is full.
  const dropped = (text.match(/queue is full, dropping message/gi) ?? []).length;
  const errLines = text.split("\n").filter((l) => /Traceback|\bERROR\b|error:/i.test(l));
  return { locked, errors: errLines.length, dropped, sample: errLines[0]?.slice(0, 300) ?? null };
}

/** Runs fn with only `active` resumed and every other server paused; restores nothing (callers pause). */
export async function exclusively<T>(active: RunningServer, all: RunningServer[], fn: () => Promise<T>): Promise<T> {
  for (const s of all) if (s !== active) s.pause();
  active.resume();
  try {
    return await fn();
  } finally {
    active.pause();
  }
}

/** JSON POST/GET helper against a server's API; retries 503/429 and connection errors a few times (Prefect
 * answers 503 when SQLite is busy), then throws with the body. */
export async function api<T = any>(
  s: RunningServer,
  method: string,
  path: string,
  body?: unknown,
  tries = 6,
): Promise<T> {
  let last = "";
  for (let attempt = 0; attempt < tries; attempt++) {
    if (attempt) await sleep(200 * 2 ** (attempt - 1));
    let r: Response;
    try {
      r = await fetch(`${s.api}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      last = `connection: ${(e as Error).message}`;
      continue;
    }
    const text = await r.text();
    if (r.ok) return (text ? JSON.parse(text) : null) as T;
    last = `HTTP ${r.status} ${text.slice(0, 300)}`;
    if (r.status !== 503 && r.status !== 429) break;
  }
  throw new Error(`${s.name} ${method} ${path}: ${last}`);
}

export function installCleanupHandlers() {
  process.on("exit", cleanupAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping servers and PostgreSQL`);
      cleanupAll();
      process.exit(130);
    });
  }
}

export const logServerStart = (s: RunningServer) =>
  log(`${s.name} up on :${s.port} in ${(s.startMs / 1000).toFixed(2)} s (pid ${s.pid})`);

/**
 * The side-by-side run the on-demand benches share: for each dialect, prefect-lite then Prefect (as
 * asked), `side` on a fresh work directory and one PostgreSQL cluster, then the report written as
 * `<name>-latest.md` and `.json` in `out` (default test-output/bench). A side that throws is a note in
 * the report, not the end of the run.
 */
export async function runSides<R>(o: {
  name: string;
  out?: string;
  bin?: string;
  keep?: boolean;
  dialects: Array<"sqlite" | "pg">;
  lite: boolean;
  prefect: boolean;
  config: Record<string, unknown>;
  /** The report's notes, which a failing side adds to. */
  notes: string[];
  side: (server: ServerName, work: string, pg: PgCluster | null) => Promise<R>;
  report: (results: R[], meta: Record<string, unknown>) => string;
}): Promise<never> {
  installCleanupHandlers();
  const outDir = resolve(o.out ?? join(ROOT, "test-output", "bench"));
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), `pl-bench-${o.name}-`));
  if (!o.keep) process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  const t0 = Date.now();
  const git = (...args: string[]) =>
    Bun.spawnSync(["git", ...args], { cwd: ROOT })
      .stdout.toString()
      .trim();
  const dirty = git("status", "--porcelain", "src", "migrations") !== "";
  const meta: Record<string, unknown> = {
    date: new Date().toISOString(),
    config: o.config,
    machine: machine(),
    loadAvgStart: loadAvg(),
    liteCommit: `${git("rev-parse", "--short", "HEAD")}${dirty ? " + uncommitted changes" : ""}`,
  };
  const results: R[] = [];
  const { notes } = o;
  let pg: PgCluster | null = null;
  try {
    if (o.lite) setLiteBin(o.bin ? resolve(o.bin) : buildBinaryInto(work));
    if (o.dialects.includes("pg")) {
      pg = await startPg();
      log(`PostgreSQL on :${pg.port}`);
    }
    for (const d of o.dialects) {
      for (const impl of [...(o.lite ? ["lite"] : []), ...(o.prefect ? ["prefect"] : [])]) {
        const server = `${impl}-${d}` as ServerName;
        log(`=== ${server} ===`);
        try {
          results.push(await o.side(server, work, pg));
        } catch (e) {
          const msg = `${server} failed: ${(e as Error).stack ?? (e as Error).message}`;
          log(msg);
          notes.push(msg.slice(0, 800));
        }
      }
    }
  } finally {
    cleanupAll();
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  meta.loadAvgEnd = loadAvg();
  meta.elapsedS = (Date.now() - t0) / 1000;
  const md = o.report(results, meta);
  writeFileSync(join(outDir, `${o.name}-latest.md`), `${md}\n`);
  writeFileSync(join(outDir, `${o.name}-latest.json`), `${JSON.stringify({ meta, notes, results }, null, 2)}\n`);
  console.log(md);
  process.exit(0);
}

type OptionSpec = { type: "string" } | { type: "boolean"; default: boolean };

/**
 * The command line every side-by-side bench shares: its own options plus --only sqlite|pg, --quick,
 * --no-prefect, --no-lite, --bin, --out, --keep and --help (which prints `usage` and exits); the
 * databases to run (PostgreSQL dropped, with a note, where its binaries are missing) and whether
 * Prefect's side runs (not where Prefect is not installed).
 */
export async function benchArgs(script: string, own: Record<string, OptionSpec>, usage: string) {
  const { values: parsed } = parseArgs({
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      "no-prefect": { type: "boolean", default: false },
      "no-lite": { type: "boolean", default: false },
      bin: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...own,
    },
  });
  const values = parsed as Record<string, string | boolean | undefined>;
  if (values.help) {
    console.log(
      `bun test/bench/${script} [--only sqlite|pg] [--quick] [--no-prefect] [--no-lite] ${usage}\n` +
        "  [--bin PATH] [--out DIR] [--keep]",
    );
    process.exit(0);
  }
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const dialects = (str("only") ? [str("only")] : ["sqlite", "pg"]) as Array<"sqlite" | "pg">;
  for (const d of dialects) if (d !== "sqlite" && d !== "pg") throw new Error(`--only sqlite|pg, not ${d}`);
  const notes: string[] = [];
  let withPrefect = !values["no-prefect"];
  if (withPrefect && !(await Bun.file(PREFECT_BIN).exists())) {
    notes.push(`Prefect is not installed (${PREFECT_BIN}); Prefect columns are empty.`);
    withPrefect = false;
  }
  if (dialects.includes("pg") && !pgAvailable()) {
    notes.push("PostgreSQL 15 binaries are missing; PostgreSQL skipped.");
    dialects.splice(dialects.indexOf("pg"), 1);
  }
  return {
    /** A numeric option, or its default. */
    num: (name: string, d: number) => (str(name) === undefined ? d : Number(str(name))),
    str,
    quick: values.quick === true,
    keep: values.keep === true,
    withLite: !values["no-lite"],
    withPrefect,
    dialects,
    notes,
  };
}
