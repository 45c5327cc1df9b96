// One command for the whole benchmark: prefect-lite (compiled binary) against Prefect's own server
// (the venv's `prefect server start`), each on SQLite and on PostgreSQL, alternating between them.
//
//   node_modules/.bin/bun test/bench/run.ts [--quick] [--only startup,api,e2e,scaling,events]
//       [--servers lite-sqlite,lite-pg,prefect-sqlite,prefect-pg] [--bin PATH] [--build]
//       [--duration S] [--warmup S] [--concurrency 4,64] [--endpoints a,b] [--scales 100000,1000000]
//       [--out DIR] [--keep]
//
// Writes test-output/bench/bench-<timestamp>.{md,json} and latest.{md,json}. Everything talks to
// 127.0.0.1 only; every phase is bounded in time and count.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ENDPOINTS, ENDPOINTS } from "./endpoints.ts";
import { writeReport, type BenchResult } from "./report.ts";
import {
  ALL_SERVERS,
  cleanupAll,
  dialectOf,
  implOf,
  installCleanupHandlers,
  LITE_BIN,
  pgAvailable,
  PREFECT_BIN,
  setLiteBin,
  startPg,
  type PgCluster,
  type ServerName,
} from "./servers.ts";
import { buildBinaryInto, loadAvg, log, machine, ROOT } from "./util.ts";

const PARTS = ["startup", "api", "e2e", "scaling", "events"] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    servers: { type: "string" },
    bin: { type: "string" },
    build: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string" },
    concurrency: { type: "string" },
    endpoints: { type: "string" },
    scales: { type: "string" },
    "e2e-reps": { type: "string" },
    "startup-runs": { type: "string" },
    "event-task-runs": { type: "string" },
    out: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(
    "bun test/bench/run.ts [--quick] [--only startup,api,e2e,scaling,events] [--servers lite-sqlite,lite-pg,prefect-sqlite,prefect-pg]\n" +
      "  [--bin PATH] [--build] [--duration S] [--warmup S] [--concurrency 4,64] [--endpoints " +
      Object.keys(ENDPOINTS).join(",") +
      "]\n  [--scales 100000,1000000] [--e2e-reps N] [--startup-runs N] [--event-task-runs N] [--out DIR] [--keep]",
  );
  process.exit(0);
}

const quick = values.quick!;
const list = (s: string | undefined) =>
  s
    ? s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : null;
const parts = (list(values.only) ?? [...PARTS]) as Part[];
for (const p of parts) if (!PARTS.includes(p)) throw new Error(`unknown part ${p}; parts: ${PARTS.join(", ")}`);
let servers = (list(values.servers) ?? ALL_SERVERS) as ServerName[];
for (const s of servers)
  if (!ALL_SERVERS.includes(s)) throw new Error(`unknown server ${s}; servers: ${ALL_SERVERS.join(", ")}`);
// Keep a stable interleaved order: lite, prefect, lite, prefect.
servers = ALL_SERVERS.filter((s) => servers.includes(s));

const notes: string[] = [];
if (!existsSync(PREFECT_BIN)) {
  notes.push(`Prefect's server is not installed (${PREFECT_BIN}); Prefect columns are empty.`);
  servers = servers.filter((s) => implOf(s) === "lite");
}
if (servers.some((s) => dialectOf(s) === "pg") && !pgAvailable()) {
  notes.push("PostgreSQL 15 binaries are missing; PostgreSQL servers skipped.");
  servers = servers.filter((s) => dialectOf(s) === "sqlite");
}

if (values.bin) setLiteBin(resolve(values.bin));
const outDir = resolve(values.out ?? join(ROOT, "test-output", "bench"));
mkdirSync(outDir, { recursive: true });
if (values.build) {
  setLiteBin(buildBinaryInto(outDir));
} else if (!existsSync(LITE_BIN)) {
  throw new Error(
    `${LITE_BIN} does not exist: build it (node_modules/.bin/bun build/build.ts) or pass --build / --bin`,
  );
}

// A stale binary silently benchmarks old code: say so when src/ or migrations/ changed after it was built.
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}
const binBuilt = statSync(LITE_BIN).mtimeMs;
const srcChanged = Math.max(
  newestMtime(join(ROOT, "src")),
  newestMtime(join(ROOT, "migrations")),
  newestMtime(join(ROOT, "views")),
);
if (srcChanged > binBuilt) {
  const msg = `${LITE_BIN} (built ${new Date(binBuilt).toISOString().slice(0, 19)}Z) is older than src/ (changed ${new Date(srcChanged).toISOString().slice(0, 19)}Z): this run measures the older build; pass --build to measure the current source.`;
  notes.push(msg);
  log(`WARNING ${msg}`);
}

const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
const cfg = {
  warmupMs: num(values.warmup, quick ? 0.5 : 2) * 1000,
  durationMs: num(values.duration, quick ? 1 : 6) * 1000,
  concurrency: (list(values.concurrency) ?? ["4", "64"]).map(Number),
  endpoints: list(values.endpoints) ?? DEFAULT_ENDPOINTS,
  scales: (list(values.scales) ?? (quick ? ["10000"] : ["100000", "1000000"])).map(Number),
  e2eReps: num(values["e2e-reps"], quick ? 1 : 2),
  startupRuns: num(values["startup-runs"], quick ? 3 : 10),
  prefectStartupRuns: quick ? 1 : 3,
  eventTaskRuns: num(values["event-task-runs"], quick ? 500 : 3000),
  readSeedRuns: quick ? 50 : 200,
};
for (const e of cfg.endpoints)
  if (!ENDPOINTS[e]) throw new Error(`unknown endpoint ${e}; endpoints: ${Object.keys(ENDPOINTS).join(", ")}`);

installCleanupHandlers();
const work = mkdtempSync(join(tmpdir(), "pl-bench-"));
const t0 = Date.now();
const gitCommit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT }).stdout.toString().trim();
const gitDirty =
  Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no", "src", "migrations"], { cwd: ROOT })
    .stdout.toString()
    .trim() !== "";

const result: BenchResult = {
  meta: {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    parts,
    servers,
    machine: machine(),
    loadAvgStart: loadAvg(),
    loadAvgEnd: [],
    liteBin: `${LITE_BIN} (built ${new Date(binBuilt).toISOString().slice(0, 19)}Z)`,
    liteCommit: `${gitCommit}${gitDirty ? " + uncommitted changes" : ""}`,
    config: cfg,
    elapsedS: 0,
    notes,
  },
};

let pg: PgCluster | null = null;
const needPg = servers.some((s) => dialectOf(s) === "pg");
try {
  if (needPg) {
    pg = await startPg();
    log(`PostgreSQL 15 on :${pg.port}`);
  }
  for (const part of parts) {
    const p0 = Date.now();
    log(`=== ${part} ===`);
    try {
      if (part === "startup") {
        const { runStartup } = await import("./startup.ts");
        result.startup = await runStartup({
          servers,
          runs: cfg.startupRuns,
          prefectRuns: cfg.prefectStartupRuns,
          idleMs: quick ? 3000 : 5000,
          work,
          pg,
        });
      } else if (part === "api") {
        const { runApi } = await import("./api.ts");
        result.api = await runApi({
          servers,
          endpoints: cfg.endpoints,
          concurrency: cfg.concurrency,
          warmupMs: cfg.warmupMs,
          durationMs: cfg.durationMs,
          timeoutMs: 30_000,
          baselineMs: quick ? 1000 : 3000,
          readSeedRuns: cfg.readSeedRuns,
          work,
          pg,
        });
      } else if (part === "e2e") {
        const { runE2E } = await import("./e2e.ts");
        result.e2e = await runE2E({ servers, reps: cfg.e2eReps, work, pg, quick });
      } else if (part === "scaling") {
        const { runScaling } = await import("./scaling.ts");
        result.scaling = await runScaling({ servers, scales: cfg.scales, work, pg, quick });
      } else if (part === "events") {
        const { runEvents } = await import("./events.ts");
        result.events = await runEvents({ servers, taskRuns: cfg.eventTaskRuns, work, pg, quick });
      }
    } catch (e) {
      const msg = `${part} failed: ${(e as Error).stack ?? (e as Error).message}`;
      log(msg);
      notes.push(msg.slice(0, 500));
    }
    log(`=== ${part} done in ${((Date.now() - p0) / 1000).toFixed(0)} s ===`);
  }
} finally {
  cleanupAll();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept work directory ${work}`);
}
result.meta.loadAvgEnd = loadAvg();
result.meta.elapsedS = (Date.now() - t0) / 1000;
const { md } = writeReport(result, outDir);
console.log(md);
process.exit(0);
