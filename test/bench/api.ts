// API microbench: for every endpoint and concurrency level, every server in turn (the others SIGSTOPped,
// the order reversed on every other phase), warm-up then a fixed window of closed-loop load from a
// separate bun process. Reads run first, on the same small dataset for every server; then writes.
// Also measures bun:sqlite's own autocommit insert rate on the same disk in the same run, the yardstick
// for the set_state goal.
import { Database } from "bun:sqlite";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { InProcessResult } from "./set-state-inprocess.ts";
import { ENDPOINTS } from "./endpoints.ts";
import { runLoad, type LoadResult } from "./load.ts";
import {
  api,
  freshDb,
  logServerStart,
  serverLogProblems,
  startServer,
  type PgCluster,
  type RunningServer,
  type ServerName,
} from "./servers.ts";
import { log, sleep } from "./util.ts";
import type { SqliteSynchronous } from "../../src/db/open.ts";
import { findSetting } from "../../src/settings/registry.ts";

export interface ApiOptions {
  servers: ServerName[];
  endpoints: string[];
  concurrency: number[];
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  baselineMs: number;
  readSeedRuns: number;
  work: string;
  pg: PgCluster | null;
}

export interface ApiPhase {
  server: ServerName;
  endpoint: string;
  label: string;
  concurrency: number;
  write: boolean;
  result: LoadResult;
  serverCpuS: number;
  dbCpuS: number;
  /** Server (+ PostgreSQL) CPU milliseconds per successful request. */
  cpuMsPerReq: number;
  rssMb: number;
  /** set_state on prefect-lite/SQLite only: bun:sqlite's autocommit insert rate at the server's
   * durability, measured right before and right after this phase (mean), so both see the same machine. */
  baselineAdjacent?: number;
  /** lite-sqlite set_state only: the same transitions made in-process (no HTTP), see set-state-inprocess.ts. */
  inProcess?: InProcessResult;
  /** lite-sqlite set_state only, for reference: in-process at synchronous=NORMAL beside the NORMAL
   * insert rate measured right after it. */
  normal?: { inProcess: InProcessResult; inserts: number };
  error?: string;
}

export interface ApiPart {
  phases: ApiPhase[];
  servers: Record<
    string,
    {
      startMs: number;
      rssBeforeMb: number;
      rssPeakMb: number;
      rssAfterMb: number;
      log: ReturnType<typeof serverLogProblems>;
    }
  >;
  baseline: {
    /** The servers' synchronous level, which the yardstick uses. */
    synchronous: SqliteSynchronous;
    sqliteAutocommitInsertsPerS: number;
    samples: number[];
    /** Reference rates, median of the samples before and after the load. */
    normalPerS: number;
    defaultsPerS: number;
  };
}

/** The durability the benchmarked prefect-lite servers run with: the bench starts them with defaults
 * unless PREFECT_LITE_SQLITE_SYNCHRONOUS is set in its own environment, which they inherit. */
export const SERVER_SYNCHRONOUS = (process.env.PREFECT_LITE_SQLITE_SYNCHRONOUS?.toUpperCase() ??
  findSetting("PREFECT_LITE_SQLITE_SYNCHRONOUS")!.default!) as SqliteSynchronous;

/** How the yardstick database is set up: WAL at a synchronous level, or bun:sqlite left as it opens
 * (rollback journal, synchronous=FULL). */
export type YardstickMode = SqliteSynchronous | "DEFAULTS";

export function yardstickLabel(mode: YardstickMode): string {
  return mode === "DEFAULTS" ? "bun:sqlite defaults: rollback journal, synchronous=FULL" : `WAL, synchronous=${mode}`;
}

/** bun:sqlite autocommit inserts/s: one INSERT per transaction, a state-sized row, a fresh file. */
export function sqliteAutocommitRate(dir: string, ms: number, mode: YardstickMode = SERVER_SYNCHRONOUS): number {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `baseline-${process.pid}-${Date.now()}.db`);
  const db = new Database(path, { create: true });
  if (mode !== "DEFAULTS") {
    db.run("PRAGMA journal_mode = WAL");
    db.run(`PRAGMA synchronous = ${mode}`);
  }
  db.run(
    "CREATE TABLE state (id TEXT PRIMARY KEY NOT NULL, created TEXT NOT NULL, run_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, details TEXT NOT NULL)",
  );
  const ins = db.prepare("INSERT INTO state (id, created, run_id, type, name, details) VALUES (?, ?, ?, ?, ?, ?)");
  const run = Bun.randomUUIDv7();
  const details = JSON.stringify({ flow_run_id: run, task_run_id: null, scheduled_time: null, cache_key: null });
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  // Check the clock every few inserts: at an fsync per commit, 100 would overrun a short window.
  while (true) {
    for (let k = 0; k < 10; k++)
      ins.run(Bun.randomUUIDv7(), new Date().toISOString(), run, "RUNNING", "Running", details);
    n += 10;
    if (performance.now() >= end) break;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
  return rate;
}

/** The yardstick at the servers' durability (what the goal is judged on) and, for reference, at
 * NORMAL (Prefect's setting, no fsync per commit) and with bun:sqlite's defaults. */
function yardsticks(dir: string, ms: number): Record<"server" | "normal" | "defaults", number> {
  return {
    server: sqliteAutocommitRate(dir, ms, SERVER_SYNCHRONOUS),
    normal: sqliteAutocommitRate(dir, ms, "NORMAL"),
    defaults: sqliteAutocommitRate(dir, ms, "DEFAULTS"),
  };
}

/** set_state through the store in a child process (its own event loop and heap), or undefined if it failed. */
async function setStateInProcess(
  dir: string,
  ms: number,
  concurrency: number,
  synchronous: SqliteSynchronous,
): Promise<InProcessResult | undefined> {
  const args = [dir, "--ms", String(ms), "--concurrency", String(concurrency), "--synchronous", synchronous];
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "set-state-inprocess.ts"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) {
    log(`set_state in-process failed (${code}): ${err.slice(0, 300)}`);
    return undefined;
  }
  return JSON.parse(out.trim().split("\n").at(-1)!) as InProcessResult;
}

// Setup requests go one at a time (Prefect on SQLite answers 503 to a handful of concurrent writers) and
// retry 503s with backoff for up to ~50 s: a server may still be finishing the previous phase's backlog.
const SETUP_TRIES = 9;

async function setupServer(s: RunningServer, readSeedRuns: number) {
  const flow = await api(s, "POST", "/flows/", { name: "bench-api-flow" }, SETUP_TRIES);
  const parent = await api(
    s,
    "POST",
    "/flow_runs/",
    { flow_id: flow.id, name: "bench-parent", state: { type: "RUNNING" } },
    SETUP_TRIES,
  );
  // A small, identical dataset for the read endpoints: half PENDING, half moved to RUNNING.
  for (let i = 0; i < readSeedRuns; i++) {
    const r = await api(
      s,
      "POST",
      "/flow_runs/",
      { flow_id: flow.id, name: `read-seed-${i}`, state: { type: "PENDING" } },
      SETUP_TRIES,
    );
    if (i % 2) await api(s, "POST", `/flow_runs/${r.id}/set_state`, { state: { type: "RUNNING" } }, SETUP_TRIES);
  }
  return { flowId: flow.id as string, flowRunId: parent.id as string };
}

async function createRuns(s: RunningServer, flowId: string, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push(
      (
        await api(
          s,
          "POST",
          "/flow_runs/",
          { flow_id: flowId, name: `ss-${tag}-${i}`, state: { type: "PENDING" } },
          SETUP_TRIES,
        )
      ).id,
    );
  return ids;
}

export async function runApi(o: ApiOptions): Promise<ApiPart> {
  // Two samples before and two after the API load; the median is the yardstick (the machine may be noisy).
  const yard = [
    yardsticks(join(o.work, "baseline"), o.baselineMs / 2),
    yardsticks(join(o.work, "baseline"), o.baselineMs / 2),
  ];
  const logYard = (when: string, ys: typeof yard) =>
    log(
      `bun:sqlite autocommit inserts${when}: ${(["server", "normal", "defaults"] as const).map((k) => `${k === "server" ? yardstickLabel(SERVER_SYNCHRONOUS) : k} ${ys.map((y) => Math.round(y[k])).join(", ")}/s`).join("; ")}`,
    );
  logYard("", yard);

  const started: RunningServer[] = [];
  const ctxs = new Map<RunningServer, { flowId: string; flowRunId: string }>();
  const info: ApiPart["servers"] = {};
  const phases: ApiPhase[] = [];
  try {
    for (const name of o.servers) {
      for (const s of started) s.pause();
      const s = await startServer(name, {
        db: freshDb(name, o.work, "api", o.pg),
        home: join(o.work, `${name}-api-home`),
      });
      logServerStart(s);
      started.push(s);
      await sleep(1000);
      info[name] = {
        startMs: s.startMs,
        rssBeforeMb: s.rssMb(),
        rssPeakMb: 0,
        rssAfterMb: NaN,
        log: { locked: 0, errors: 0, dropped: 0, sample: null },
      };
      try {
        ctxs.set(s, await setupServer(s, o.readSeedRuns));
      } catch (e) {
        log(`${name}: setup failed: ${(e as Error).message}`);
      }
      s.pause();
    }

    let k = 0;
    for (const endpoint of o.endpoints) {
      const ep = ENDPOINTS[endpoint];
      for (const c of o.concurrency) {
        const order = k++ % 2 ? [...started].reverse() : started;
        for (const s of order) {
          s.resume();
          const base = ctxs.get(s);
          const tag = `${endpoint}-c${c}-${Date.now().toString(36)}`;
          let phase: ApiPhase;
          try {
            if (!base) throw new Error("server setup failed");
            const runIds = endpoint === "set_state" ? await createRuns(s, base.flowId, c, tag) : [];
            const adjacent = endpoint === "set_state" && s.name === "lite-sqlite";
            const before = adjacent ? sqliteAutocommitRate(join(o.work, "baseline"), o.baselineMs / 2) : NaN;
            const cpu0 = s.cpu();
            const result = await runLoad({
              api: s.api,
              endpoint,
              ctx: { tag, flowId: base.flowId, flowRunId: base.flowRunId, runIds, now: new Date().toISOString() },
              concurrency: c,
              warmupMs: o.warmupMs,
              durationMs: o.durationMs,
              timeoutMs: o.timeoutMs,
            });
            const cpu1 = s.cpu();
            const after = adjacent ? sqliteAutocommitRate(join(o.work, "baseline"), o.baselineMs / 2) : NaN;
            const inProcess = adjacent
              ? await setStateInProcess(join(o.work, "inprocess"), o.durationMs, c, SERVER_SYNCHRONOUS)
              : undefined;
            const normalInProcess =
              adjacent && SERVER_SYNCHRONOUS !== "NORMAL"
                ? await setStateInProcess(join(o.work, "inprocess"), o.durationMs, c, "NORMAL")
                : undefined;
            const normal = normalInProcess
              ? {
                  inProcess: normalInProcess,
                  inserts: sqliteAutocommitRate(join(o.work, "baseline"), o.baselineMs / 2, "NORMAL"),
                }
              : undefined;
            const serverCpuS = cpu1.server - cpu0.server;
            const dbCpuS = cpu1.db - cpu0.db;
            const total = result.ok + result.errors + result.warmupRequests;
            phase = {
              server: s.name,
              endpoint,
              label: ep.label,
              concurrency: c,
              write: ep.write,
              result,
              serverCpuS,
              dbCpuS,
              cpuMsPerReq: total ? ((serverCpuS + dbCpuS) * 1000) / total : NaN,
              rssMb: s.rssMb(),
              ...(adjacent ? { baselineAdjacent: (before + after) / 2 } : {}),
              ...(inProcess ? { inProcess } : {}),
              ...(normal ? { normal } : {}),
            };
            if (adjacent)
              log(`bun:sqlite autocommit inserts around this phase: ${Math.round(before)}, ${Math.round(after)}/s`);
            if (inProcess) log(`set_state in-process (no HTTP), ${c} loops: ${Math.round(inProcess.perS)}/s`);
            if (normal)
              log(
                `at synchronous=NORMAL: set_state in-process ${Math.round(normal.inProcess.perS)}/s, inserts ${Math.round(normal.inserts)}/s`,
              );
          } catch (e) {
            phase = {
              server: s.name,
              endpoint,
              label: ep.label,
              concurrency: c,
              write: ep.write,
              result: emptyResult(endpoint, c),
              serverCpuS: 0,
              dbCpuS: 0,
              cpuMsPerReq: NaN,
              rssMb: s.rssMb(),
              error: (e as Error).message,
            };
          }
          info[s.name].rssPeakMb = Math.max(info[s.name].rssPeakMb, phase.rssMb);
          phases.push(phase);
          const r = phase.result;
          log(
            `${s.name.padEnd(14)} ${ep.label.padEnd(30)} c=${String(c).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}${
              r.errors ? ` ${JSON.stringify(r.errorClasses)}` : ""
            }${phase.error ? ` FAILED: ${phase.error}` : ""}`,
          );
          s.pause();
        }
      }
    }

    for (const s of started) {
      s.resume();
      await sleep(2000);
      info[s.name].rssAfterMb = s.rssMb();
      s.pause();
    }
  } finally {
    for (const s of started) {
      await s.stop();
      if (info[s.name]) info[s.name].log = serverLogProblems(s);
    }
  }
  const after = [
    yardsticks(join(o.work, "baseline"), o.baselineMs / 2),
    yardsticks(join(o.work, "baseline"), o.baselineMs / 2),
  ];
  logYard(" (after)", after);
  yard.push(...after);
  const median4 = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return (sorted[1] + sorted[2]) / 2;
  };
  const samples = yard.map((y) => y.server);
  return {
    phases,
    servers: info,
    baseline: {
      synchronous: SERVER_SYNCHRONOUS,
      sqliteAutocommitInsertsPerS: median4(samples),
      samples,
      normalPerS: median4(yard.map((y) => y.normal)),
      defaultsPerS: median4(yard.map((y) => y.defaults)),
    },
  };
}

function emptyResult(endpoint: string, concurrency: number): LoadResult {
  return {
    endpoint,
    concurrency,
    durationS: 0,
    warmupS: 0,
    ok: 0,
    errors: 0,
    errorClasses: {},
    errorSamples: {},
    lockErrors: 0,
    serverErrors: 0,
    rps: 0,
    itemsPerS: null,
    p50: NaN,
    p95: NaN,
    p99: NaN,
    max: NaN,
    mean: NaN,
    loadgenCpuS: 0,
    warmupRequests: 0,
  };
}
