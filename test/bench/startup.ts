// Cold start to the first 200 on /api/health, and idle RSS, on a fresh empty database each start (so the
// time includes creating the schema), alternating between the servers. Part of test/bench/run.ts
// (`--only startup`), and still runnable alone with its original table:
//   bun test/bench/startup.ts [--runs 15] [--prefect-runs 3] [--pg]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  dropDb,
  freshDb,
  implOf,
  installCleanupHandlers,
  LITE_BIN,
  pgAvailable,
  PREFECT_BIN,
  startPg,
  startServer,
  type DbTarget,
  type PgCluster,
  type ServerName,
} from "./servers.ts";
import { log, machine, median, percentile, ROOT, sleep } from "./util.ts";
import { existsSync } from "node:fs";

export interface StartupSample {
  startMs: number;
  idleRssMb: number;
}

export interface StartupRow {
  server: string;
  samples: StartupSample[];
  startMedianMs: number;
  startP90Ms: number;
  idleRssMedianMb: number;
  failures: string[];
}

export interface StartupOptions {
  servers: ServerName[];
  runs: number;
  prefectRuns: number;
  idleMs: number;
  work: string;
  pg: PgCluster | null;
  /** Extra rows: prefect-lite on in-memory SQLite. */
  includeMemory?: boolean;
}

type Variant = { label: string; server: ServerName; memory?: boolean };

async function sample(v: Variant, i: number, o: StartupOptions): Promise<StartupSample> {
  const db: DbTarget = v.memory
    ? { dialect: "sqlite", path: ":memory:" }
    : freshDb(v.server, o.work, `start${i}`, o.pg);
  const home = join(o.work, `${v.label.replace(/\W+/g, "_")}-start-${i}`);
  mkdirSync(home, { recursive: true });
  try {
    const s = await startServer(v.server, { db, home, pollMs: 2 });
    await sleep(o.idleMs);
    const idleRssMb = s.rssMb();
    await s.stop();
    return { startMs: s.startMs, idleRssMb };
  } finally {
    if (!v.memory) dropDb(db);
    rmSync(home, { recursive: true, force: true });
  }
}

export async function runStartup(o: StartupOptions): Promise<StartupRow[]> {
  const variants: Variant[] = [];
  for (const s of o.servers) {
    variants.push({ label: s, server: s });
    if (o.includeMemory && s === "lite-sqlite")
      variants.push({ label: "lite-sqlite (in-memory)", server: s, memory: true });
  }
  const rows = new Map<string, StartupRow>(
    variants.map((v) => [
      v.label,
      { server: v.label, samples: [], startMedianMs: NaN, startP90Ms: NaN, idleRssMedianMb: NaN, failures: [] },
    ]),
  );
  const maxRuns = Math.max(o.runs, o.prefectRuns);
  for (let i = 0; i < maxRuns; i++) {
    const order = i % 2 ? [...variants].reverse() : variants;
    for (const v of order) {
      if (i >= (implOf(v.server) === "lite" ? o.runs : o.prefectRuns)) continue;
      const row = rows.get(v.label)!;
      try {
        const s = await sample(v, i, o);
        row.samples.push(s);
        log(
          `startup ${v.label.padEnd(24)} run ${i + 1}: ${(s.startMs / 1000).toFixed(3)} s, idle RSS ${s.idleRssMb.toFixed(1)} MB`,
        );
      } catch (e) {
        row.failures.push((e as Error).message.slice(0, 300));
        log(`startup ${v.label} run ${i + 1} failed: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  }
  for (const row of rows.values()) {
    const st = row.samples.map((x) => x.startMs);
    row.startMedianMs = median(st);
    row.startP90Ms = percentile(st, 0.9);
    row.idleRssMedianMb = median(row.samples.map((x) => x.idleRssMb));
  }
  return [...rows.values()];
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "15" },
      "prefect-runs": { type: "string", default: "3" },
      pg: { type: "boolean", default: false },
    },
  });
  installCleanupHandlers();
  if (!existsSync(LITE_BIN)) Bun.spawnSync([process.execPath, "build/build.ts"], { cwd: ROOT, stdout: "inherit" });
  const work = mkdtempSync(join(tmpdir(), "pl-bench-"));
  const pg = values.pg && pgAvailable() ? await startPg() : null;
  const servers: ServerName[] = [
    "lite-sqlite",
    ...(existsSync(PREFECT_BIN) ? (["prefect-sqlite"] as const) : []),
    ...(pg ? (["lite-pg", "prefect-pg"] as const) : []),
  ];
  const rows = await runStartup({
    servers,
    runs: Number(values.runs),
    prefectRuns: Number(values["prefect-runs"]),
    idleMs: 2000,
    work,
    pg,
    includeMemory: true,
  });
  pg?.stop();
  rmSync(work, { recursive: true, force: true });
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Bun ${m.bun}\n`);
  console.log("| server | runs | cold start to first 200 /api/health (median) | p90 | idle RSS (median) |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.server} | ${r.samples.length} | ${(r.startMedianMs / 1000).toFixed(3)} s | ${(r.startP90Ms / 1000).toFixed(3)} s | ${r.idleRssMedianMb.toFixed(1)} MB |`,
    );
  const lite = rows.find((r) => r.server === "lite-sqlite");
  const prefect = rows.find((r) => r.server === "prefect-sqlite");
  if (lite && prefect?.samples.length) {
    console.log(
      `\nRatio (Prefect / prefect-lite): start ${(prefect.startMedianMs / lite.startMedianMs).toFixed(1)}×, idle RSS ${(prefect.idleRssMedianMb / lite.idleRssMedianMb).toFixed(1)}×`,
    );
  }
  process.exit(0);
}
