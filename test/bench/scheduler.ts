// The scheduler and the runner's polling route (issue 12): prefect-lite beside Prefect 3's own scheduler,
// on SQLite and on PostgreSQL, the same deployments for both, in one run on one machine.
//
//   bun test/bench/scheduler.ts [--only sqlite|pg] [--deployments 1000] [--quick] [--no-prefect] [--no-lite]
//       [--steady 5] [--deep-runs 100] [--polls 500] [--bin PATH] [--out DIR] [--keep]
//
// For each dialect, prefect-lite first, then Prefect:
//   1. A fresh database; the server (compiled binary, or `prefect server start` from the venv) with its
//      scheduler and late-runs services off (profiles.toml in its PREFECT_HOME), so no loop races the
//      measurement; `--deployments` deployments created through its API: 10 flows, a third each
//      `{interval: 3600}`, `{cron: "*/15 * * * *", timezone: "Europe/Paris"}` and
//      `{rrule: "FREQ=HOURLY;INTERVAL=2", timezone: "America/New_York"}`. Then the server stops.
//   2. The scheduler pass, in-process on the same database, with the server's default settings (min_runs 3,
//      max_runs 100, min_scheduled_time 1 h, max_scheduled_time 100 days, batches of 100 deployments and
//      500 runs). prefect-lite: schedulerStore(driver).schedule(), what its Scheduler service runs.
//      Prefect: test/bench/scheduler_prefect.py calls prefect.server.services.scheduler.
//      schedule_deployments, what its perpetual service runs. The first pass is the first fill (every
//      schedule is due); then `--steady` passes find every schedule stocked (nothing to insert) and the
//      median is the steady state; then a deep fill with min_runs = max_runs = `--deep-runs` and a 100-day
//      minimum stocks `--deep-runs` runs per schedule (100,000 Scheduled runs for 1,000 deployments).
//   3. (PostgreSQL: ANALYZE, as autovacuum would soon after the deep fill.) The server again, on those runs: `--polls` sequential POST /api/deployments/get_scheduled_flow_runs
//      per shape, as a runner polls (`scheduled_before` now + 10 s, limit 10), after 20 unmeasured.
//
// Writes test-output/bench/scheduler-latest.{md,json}. 127.0.0.1 only; every server, the PostgreSQL
// cluster and the temp directories go at the end (or on SIGINT).
import { sideBySide } from "./table.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createDriver, rows } from "../../src/db/driver.ts";
import { openDatabase } from "../../src/db/open.ts";
import { sql } from "../../src/db/sql-tag.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { schedulerSettings } from "../../src/services/scheduler.ts";
import { defaultServerConfig } from "../../src/settings/server-config.ts";
import { type SchedulerSettings, schedulerStore } from "../../src/store/scheduler.ts";
import {
  api,
  benchArgs,
  type DbTarget,
  dbUrl,
  dropDb,
  freshDb,
  logServerStart,
  migrate,
  type PgCluster,
  PYTHON_BIN,
  type RunningServer,
  runSides,
  serverLogProblems,
  type ServerName,
  startServer,
} from "./servers.ts";
import { fmt, log, type machine, median, percentile, ROOT } from "./util.ts";

const args = await benchArgs(
  "scheduler.ts",
  {
    deployments: { type: "string" },
    steady: { type: "string" },
    "deep-runs": { type: "string" },
    polls: { type: "string" },
  },
  "[--deployments N] [--steady N] [--deep-runs N] [--polls N]",
);
const { quick, num, dialects, notes } = args;
const withPrefect = args.withPrefect;
const cfg = {
  deployments: num("deployments", quick ? 150 : 1000),
  steady: num("steady", quick ? 3 : 5),
  deepRuns: num("deep-runs", quick ? 20 : 100),
  polls: num("polls", quick ? 100 : 500),
  flows: 10,
  warmupPolls: 20,
  /** Per poll shape: stop early past this (Prefect's SQLite server takes ~0.2 s a poll at 100,000 runs). */
  pollBudgetMs: quick ? 10_000 : 30_000,
};

const SCHEDULES: Record<string, unknown>[] = [
  { interval: 3600 },
  { cron: "*/15 * * * *", timezone: "Europe/Paris" },
  { rrule: "FREQ=HOURLY;INTERVAL=2", timezone: "America/New_York" },
];

/** The server's own defaults (Prefect's): what one pass of its Scheduler service uses. */
const DEFAULTS: SchedulerSettings = schedulerSettings(defaultServerConfig().services.scheduler);
const DEEP_SECONDS = 100 * 86_400;

// The shapes of a runner's poll. A runner sends its deployments' ids, scheduled_before = now + its
// prefetch (10 s) and a limit; "next 10 runs" asks a day ahead, so every answer carries 10 runs.
const POLLS = [
  { key: "poll1", label: "1 deployment, due in 10 s", ids: 1, aheadS: 10 },
  { key: "poll10", label: "10 deployments, due in 10 s", ids: 10, aheadS: 10 },
  { key: "poll10next", label: "10 deployments, next 10 runs (a day ahead)", ids: 10, aheadS: 86_400 },
] as const;

interface PollResult {
  key: string;
  label: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  runsPerAnswer: number;
  errors: number;
}

interface SideResult {
  server: ServerName;
  createS: number;
  first: { runs: number; seconds: number; runsPerS: number };
  steadyMs: number[];
  steadyMedianMs: number;
  steadyRuns: number;
  deep: { runs: number; seconds: number; runsPerS: number } | null;
  /** Passes with the defaults after the deep fill: every schedule stocked, totalRuns runs in the table. */
  steadyDeepMedianMs: number | null;
  totalRuns: number;
  polls: PollResult[];
  logProblems: ReturnType<typeof serverLogProblems>[];
}

// ---------------------------------------------------------------------------------------------------

const homeWithProfile = (work: string, name: string) => {
  const home = mkdtempSync(join(work, `${name}-home-`));
  // Both servers read PREFECT_HOME/profiles.toml. The scheduler must not race the timed pass; late runs
  // would move the polled runs out of Scheduled.
  writeFileSync(
    join(home, "profiles.toml"),
    [
      'active = "bench"',
      "[profiles.bench]",
      'PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED = "false"',
      'PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED = "false"',
      "",
    ].join("\n"),
  );
  return home;
};

/** Flows and deployments through the server's API, a few requests at a time; returns deployment ids. */
async function createDeployments(s: RunningServer, n: number): Promise<{ ids: string[]; seconds: number }> {
  const t0 = performance.now();
  const flows: string[] = [];
  for (let f = 0; f < cfg.flows; f++) flows.push((await api(s, "POST", "/flows/", { name: `sched-bench-${f}` })).id);
  const ids = new Array<string>(n);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const d = await api(s, "POST", "/deployments/", {
        name: `deployment-${String(i).padStart(5, "0")}`,
        flow_id: flows[i % flows.length],
        tags: ["bench"],
        parameters: { i },
        schedules: [{ schedule: SCHEDULES[i % SCHEDULES.length], active: true }],
      });
      ids[i] = d.id;
    }
  };
  // Prefect's SQLite server answers 503 "database is locked" to concurrent writers: one at a time there.
  await Promise.all(Array.from({ length: s.name === "prefect-sqlite" ? 1 : 4 }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const scheduled = await api<number>(s, "POST", "/flow_runs/count", {});
  if (scheduled !== 0) throw new Error(`${s.name}: ${scheduled} runs exist before the pass (a scheduler ran)`);
  return { ids, seconds };
}

async function measurePolls(s: RunningServer, ids: string[]): Promise<PollResult[]> {
  const out: PollResult[] = [];
  for (const shape of POLLS) {
    const times: number[] = [];
    let returned = 0;
    let errors = 0;
    let deadline = Infinity;
    for (let i = 0; i < cfg.warmupPolls + cfg.polls && performance.now() < deadline; i++) {
      if (i === cfg.warmupPolls) deadline = performance.now() + cfg.pollBudgetMs;
      const start = (i * 7919) % Math.max(1, ids.length - shape.ids);
      const body = JSON.stringify({
        deployment_ids: ids.slice(start, start + shape.ids),
        scheduled_before: new Date(Date.now() + shape.aheadS * 1000).toISOString(),
        limit: 10,
      });
      const t0 = performance.now();
      const r = await fetch(`${s.api}/deployments/get_scheduled_flow_runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const text = await r.text();
      const ms = performance.now() - t0;
      if (i < cfg.warmupPolls) continue;
      if (!r.ok) {
        errors++;
        continue;
      }
      times.push(ms);
      returned += (JSON.parse(text) as unknown[]).length;
    }
    out.push({
      key: shape.key,
      label: shape.label,
      n: times.length,
      p50: median(times),
      p95: percentile(times, 0.95),
      max: Math.max(...times),
      runsPerAnswer: returned / Math.max(1, times.length),
      errors,
    });
    log(`${s.name} ${shape.label}: p50 ${fmt(median(times), 2)} ms, p95 ${fmt(percentile(times, 0.95), 2)} ms`);
  }
  return out;
}

/** prefect-lite's pass, in-process on the stopped server's database: what its Scheduler service runs. */
async function litePasses(db: DbTarget) {
  const handle = await openDatabase(parseDatabaseUrl(dbUrl(db)));
  const driver = createDriver(handle);
  const store = schedulerStore(driver);
  const count = async () =>
    Number((await driver.read(() => rows<{ n: number }>(sql`SELECT count(*) AS n FROM flow_run`)))[0].n);
  try {
    await count(); // the connection (pool) open, as in a running server
    const timed = async (s: SchedulerSettings) => {
      const t0 = performance.now();
      const runs = await store.schedule(s);
      return { runs, seconds: (performance.now() - t0) / 1000 };
    };
    const first = await timed(DEFAULTS);
    const steadyMs: number[] = [];
    let steadyRuns = 0;
    for (let i = 0; i < cfg.steady; i++) {
      const p = await timed(DEFAULTS);
      steadyMs.push(p.seconds * 1000);
      steadyRuns += p.runs;
    }
    const deep = cfg.deepRuns
      ? await timed({ ...DEFAULTS, minRuns: cfg.deepRuns, maxRuns: cfg.deepRuns, minScheduledSeconds: DEEP_SECONDS })
      : null;
    const steadyDeepMs: number[] = [];
    for (let i = 0; deep && i < cfg.steady; i++) {
      const p = await timed(DEFAULTS);
      steadyDeepMs.push(p.seconds * 1000);
      steadyRuns += p.runs;
    }
    return { first, steadyMs, steadyRuns, deep, steadyDeepMs, totalRuns: await count() };
  } finally {
    await driver.close().catch(() => {});
    await handle.close().catch(() => {});
  }
}

/** Prefect's pass: test/bench/scheduler_prefect.py on the stopped server's database. */
async function prefectPasses(db: DbTarget, home: string) {
  const proc = Bun.spawn(
    [
      PYTHON_BIN,
      join(ROOT, "test", "bench", "scheduler_prefect.py"),
      "--steady",
      String(cfg.steady),
      "--deep-runs",
      String(cfg.deepRuns),
    ],
    {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        PREFECT_HOME: home,
        LANG: "C.UTF-8",
        PREFECT_SERVER_DATABASE_CONNECTION_URL: dbUrl(db),
        PREFECT_SERVER_ANALYTICS_ENABLED: "false",
        PREFECT_SERVER_LOGGING_LEVEL: "WARNING",
        PREFECT_LOGGING_LEVEL: "WARNING",
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const killer = setTimeout(() => proc.kill("SIGKILL"), 1_200_000);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(killer);
  if (proc.exitCode !== 0) throw new Error(`scheduler_prefect.py exited ${proc.exitCode}: ${stderr.slice(-2000)}`);
  const r = JSON.parse(stdout.trim().split("\n").pop()!) as {
    first: { runs: number; seconds: number };
    steady_ms: number[];
    steady_runs: number;
    deep: { runs: number; seconds: number } | null;
    steady_deep_ms: number[];
    total_runs: number;
  };
  return {
    first: r.first,
    steadyMs: r.steady_ms,
    steadyRuns: r.steady_runs,
    deep: r.deep,
    steadyDeepMs: r.steady_deep_ms,
    totalRuns: r.total_runs,
  };
}

async function side(server: ServerName, work: string, pg: PgCluster | null): Promise<SideResult> {
  const isLite = server.startsWith("lite");
  const db = freshDb(server, work, "sched", pg);
  const home = homeWithProfile(work, server);
  const logProblems: SideResult["logProblems"] = [];
  try {
    migrate(server, db, home);
    let s = await startServer(server, { db, home, pollMs: 20 });
    logServerStart(s);
    let created: { ids: string[]; seconds: number };
    try {
      created = await createDeployments(s, cfg.deployments);
      log(`${server}: ${cfg.deployments} deployments created in ${created.seconds.toFixed(1)} s`);
    } finally {
      logProblems.push(serverLogProblems(s));
      await s.stop();
    }

    const p = isLite ? await litePasses(db) : await prefectPasses(db, home);
    const rate = (x: { runs: number; seconds: number }) => ({ ...x, runsPerS: x.runs / x.seconds });
    const first = rate(p.first);
    log(
      `${server}: first fill ${first.runs} runs in ${first.seconds.toFixed(3)} s (${first.runsPerS.toFixed(0)}/s); ` +
        `steady ${p.steadyMs.map((x) => x.toFixed(1)).join(", ")} ms; ` +
        `deep fill ${p.deep ? `${p.deep.runs} runs in ${p.deep.seconds.toFixed(2)} s` : "skipped"}; ` +
        `then steady ${p.steadyDeepMs.map((x) => x.toFixed(1)).join(", ")} ms; ${p.totalRuns} runs`,
    );

    // PostgreSQL's statistics still describe the table before the deep fill; autovacuum would ANALYZE it
    // within a minute, and a server polled for hours has current ones. Both implementations get this.
    if (db.dialect === "pg") db.cluster.psql("ANALYZE", db.name);
    s = await startServer(server, { db, home, pollMs: 20 });
    logServerStart(s);
    let polls: PollResult[];
    try {
      polls = await measurePolls(s, created.ids);
    } finally {
      logProblems.push(serverLogProblems(s));
      await s.stop();
    }
    return {
      server,
      createS: created.seconds,
      first,
      steadyMs: p.steadyMs,
      steadyMedianMs: median(p.steadyMs),
      steadyRuns: p.steadyRuns,
      deep: p.deep ? rate(p.deep) : null,
      steadyDeepMedianMs: p.steadyDeepMs.length ? median(p.steadyDeepMs) : null,
      totalRuns: p.totalRuns,
      polls,
      logProblems,
    };
  } finally {
    dropDb(db);
    rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

function report(results: SideResult[], meta: Record<string, unknown>) {
  const ds = dialects;
  const table = sideBySide(ds, results);
  const { get, row } = table;
  const s3 = (x: number) => `${x.toFixed(3)} s`;
  const ms = (x: number) => (x >= 10 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
  const n0 = (x: number) => x.toFixed(0);
  const n = cfg.deployments;
  row(
    `${n} deployments created through the API, s`,
    (r) => r.createS,
    (x) => `${x.toFixed(1)} s`,
  );
  row("first fill: runs inserted", (r) => r.first.runs, n0);
  row("first fill: one pass, s", (r) => r.first.seconds, s3);
  row("first fill: runs/s", (r) => r.first.runsPerS, n0);
  row(`steady-state pass, median of ${cfg.steady}`, (r) => r.steadyMedianMs, ms);
  if (cfg.deepRuns) {
    row(`deep fill to ${cfg.deepRuns} runs a schedule: runs inserted`, (r) => r.deep?.runs, n0);
    row("deep fill: runs/s", (r) => r.deep?.runsPerS, n0);
    row(
      `steady-state pass over the deep fill's runs, median of ${cfg.steady}`,
      (r) => r.steadyDeepMedianMs ?? undefined,
      ms,
    );
  }
  row("Scheduled runs during the polls", (r) => r.totalRuns, n0);
  for (const shape of POLLS) {
    row(`get_scheduled_flow_runs, ${shape.label}, p50`, (r) => r.polls.find((x) => x.key === shape.key)?.p50, ms);
    row(`get_scheduled_flow_runs, ${shape.label}, p95`, (r) => r.polls.find((x) => x.key === shape.key)?.p95, ms);
  }

  const goals: string[] = [];
  for (const d of ds) {
    const l = get(d, "lite");
    const p = get(d, "prefect");
    if (!l) continue;
    const name = d === "sqlite" ? "SQLite" : "PostgreSQL";
    const fill = p ? l.first.runsPerS / p.first.runsPerS : NaN;
    const poll95 = Math.max(...l.polls.filter((x) => x.key !== "poll10next").map((x) => x.p95));
    goals.push(
      `- ${name}: first fill ≥ 20× Prefect's rate: ${Number.isFinite(fill) ? `${fill.toFixed(1)}× — ${fill >= 20 ? "met" : "NOT met"}` : "no Prefect figure"}; ` +
        `steady-state pass ≤ 50 ms: ${l.steadyMedianMs.toFixed(1)} ms — ${l.steadyMedianMs <= 50 ? "met" : "NOT met"}; ` +
        `polling p95 ≤ 10 ms (runner's polls, ${l.totalRuns} Scheduled runs): ${poll95.toFixed(1)} ms — ${poll95 <= 10 ? "met" : "NOT met"}.`,
    );
  }
  const problems = results
    .flatMap((r) => r.logProblems.map((lp) => ({ server: r.server, ...lp })))
    .filter((lp) => lp.errors || lp.locked);
  const pollErrors = results.flatMap((r) =>
    r.polls.filter((p) => p.errors).map((p) => `${r.server} ${p.key}: ${p.errors}`),
  );
  const m = meta.machine as ReturnType<typeof machine>;
  const md = [
    `# Scheduler and polling benchmark`,
    "",
    `${String(meta.date).slice(0, 16).replace("T", " ")} UTC · prefect-lite ${meta.liteCommit} · ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB · ` +
      `Bun ${m.bun} · Prefect ${m.prefect} · ${m.postgres} · ${Math.round(Number(meta.elapsedS))} s`,
    "",
    ...table.header(),
    ...table.rows,
    "",
    `Ratios are prefect-lite ÷ Prefect. ${n} deployments (a third each interval 1 h, cron */15 in Europe/Paris, RRULE ` +
      `every 2 h in America/New_York); passes with the defaults (min_runs ${DEFAULTS.minRuns}, max_runs ${DEFAULTS.maxRuns}, ` +
      `min_scheduled_time ${DEFAULTS.minScheduledSeconds} s); steady-state passes inserted ` +
      `${results.map((r) => `${r.server} ${r.steadyRuns}`).join(", ")} runs; polls: ${cfg.polls} sequential requests ` +
      `per shape after ${cfg.warmupPolls} (at most ${cfg.pollBudgetMs / 1000} s a shape; n = ${results
        .map((r) => `${r.server} ${r.polls.map((p) => p.n).join("/")}`)
        .join(", ")}), runs per answer ${results
        .map((r) => `${r.server} ${r.polls.map((p) => p.runsPerAnswer.toFixed(1)).join("/")}`)
        .join(", ")}.`,
    "",
    "Goals (issue 12):",
    ...goals,
    ...(pollErrors.length ? ["", `Poll errors: ${pollErrors.join("; ")}`] : []),
    ...(problems.length
      ? [
          "",
          ...problems.map(
            (p) => `Server log ${p.server}: ${p.errors} error lines, ${p.locked} locked; ${p.sample ?? ""}`,
          ),
        ]
      : []),
    ...(notes.length ? ["", ...notes.map((x) => `Note: ${x}`)] : []),
  ].join("\n");
  return md;
}

// ---------------------------------------------------------------------------------------------------

await runSides({
  name: "scheduler",
  out: args.str("out"),
  bin: args.str("bin"),
  keep: args.keep,
  dialects,
  lite: args.withLite,
  prefect: withPrefect,
  config: { ...cfg, dialects, withPrefect, defaults: DEFAULTS },
  notes,
  side,
  report,
});
