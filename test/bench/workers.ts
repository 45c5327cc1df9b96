// Workers polling one work pool (issue 13): prefect-lite beside Prefect 3's own server, on SQLite and on
// PostgreSQL, the same pool, queues, deployments and runs for both, in one run on one machine.
//
//   bun test/bench/workers.ts [--only sqlite|pg] [--workers 100] [--runs 10000] [--queues 10] [--quick]
//       [--no-prefect] [--no-lite] [--paced-s 20] [--period-ms 1000] [--budget-s 600] [--bin PATH]
//       [--out DIR] [--keep]
//
// For each dialect, prefect-lite first, then Prefect (`prefect server start` from the venv), each on a fresh
// database, with its scheduler and late-runs services off (profiles.toml in its PREFECT_HOME: nothing else
// may move the runs) and every other service at its default (the foreman included):
//   1. Setup, timed: work pool `bench` (type process), `--queues` queues q0… (priority 1…), a flow, one
//      deployment per queue, then the runs through POST /deployments/{id}/create_flow_run/bulk (100 a
//      request, both servers have it; one request at a time on Prefect's SQLite server, which answers 503
//      "database is locked" to concurrent writers, four elsewhere), spread over the queues: `--runs`
//      Scheduled "drain" runs two days ahead, and the paced phase's runs one day ahead.
//   2. Paced phase (the latency goal): `--workers` simulated workers, async loops in this process, each
//      with its own name, each once every `--period-ms`: POST /work_pools/bench/workers/heartbeat, POST
//      /work_pools/bench/get_scheduled_flow_runs (scheduled_before = now + 10 s, limit 10, as a worker
//      with a 10 s prefetch and 10 free slots), then for each run handed out POST /flow_runs/{id}/set_state
//      PENDING, one after another. "Now" is a clock that starts at the paced runs' base, which arrive one
//      per worker-second, so the polls meet a steady stream of due runs while the `--runs` drain runs sit
//      Scheduled, not yet due, in the same pool. `--paced-s` seconds; the paced runs still Scheduled at the
//      end are deleted (POST /flow_runs/bulk_delete), so the drain starts on exactly `--runs` runs.
//   3. Drain phase (throughput, no run handed out twice): the same workers in a closed loop (no pause),
//      scheduled_before past the last drain run (the poll a worker sends once every run is due), until
//      every drain run was accepted into PENDING once (or `--budget-s`). Then the server's own counts
//      (POST /flow_runs/count by tag and state) must show no drain run Scheduled and all of them Pending.
// Per run the bench keeps which workers were handed it and how many PENDING proposals the server accepted:
// a run accepted twice is the failure; a run handed to two workers is what Prefect's pool query does (it
// is a read: a run stays in every poller's answer until one of them moves it to Pending, and the others'
// proposals are answered ABORT).
//
// The workers run in this process, on the same cores as the server and the database (the machine's core
// count is in the report). Writes test-output/bench/workers-latest.{md,json}. 127.0.0.1 only; every
// server, the PostgreSQL cluster and the temp directories go at the end (or on SIGINT).
import { sideBySide } from "./table.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  api,
  benchArgs,
  dropDb,
  freshDb,
  logServerStart,
  migrate,
  type PgCluster,
  type RunningServer,
  runSides,
  serverLogProblems,
  type ServerName,
  startServer,
} from "./servers.ts";
import { fmt, loadAvg, log, type machine, median, percentile, sleep } from "./util.ts";

const args = await benchArgs(
  "workers.ts",
  {
    workers: { type: "string" },
    runs: { type: "string" },
    queues: { type: "string" },
    "paced-s": { type: "string" },
    "period-ms": { type: "string" },
    "budget-s": { type: "string" },
  },
  "[--workers N] [--runs N] [--queues N] [--paced-s S] [--period-ms MS] [--budget-s S]",
);
const { quick, num, dialects, notes, withLite } = args;
const withPrefect = args.withPrefect;
const cfg = {
  workers: num("workers", quick ? 10 : 100),
  runs: num("runs", quick ? 500 : 10_000),
  queues: num("queues", 10),
  pacedS: num("paced-s", quick ? 5 : 20),
  periodMs: num("period-ms", 1000),
  budgetS: num("budget-s", quick ? 120 : 600),
  /** A worker's prefetch (Prefect's PREFECT_WORKER_PREFETCH_SECONDS) and its free slots. */
  prefetchMs: 10_000,
  limit: 10,
  heartbeatIntervalS: 30,
  bulk: 100,
  requestTimeoutMs: 60_000,
};
/** Paced runs: one per worker per period, for the whole paced phase. */
const pacedPerS = cfg.workers / (cfg.periodMs / 1000);
const pacedRuns = Math.round(pacedPerS * cfg.pacedS);
const DRAIN_STEP_MS = 10;
const DAY = 86_400_000;
const POOL = "bench";

// ---------------------------------------------------------------------------------------------------
// Setup

interface Seeded {
  /** The ids of the drain runs and of the paced runs. */
  drain: Set<string>;
  paced: Set<string>;
  pacedBase: number;
  drainBase: number;
  seconds: number;
  runsPerS: number;
  /** Bulk items a server answered FAILED and the bench sent again. */
  bulkRetries: number;
}

async function seed(s: RunningServer): Promise<Seeded> {
  const t0 = performance.now();
  const now = Date.now();
  const pacedBase = now + DAY;
  const drainBase = now + 2 * DAY;
  await api(s, "POST", "/work_pools/", { name: POOL, type: "process", base_job_template: {} });
  for (let q = 0; q < cfg.queues; q++)
    await api(s, "POST", `/work_pools/${POOL}/queues`, { name: `q${q}`, priority: q + 1 });
  const flow = await api(s, "POST", "/flows/", { name: "workers-bench" });
  const deployments: string[] = [];
  for (let q = 0; q < cfg.queues; q++) {
    const d = await api(s, "POST", "/deployments/", {
      name: `d-q${q}`,
      flow_id: flow.id,
      work_pool_name: POOL,
      work_queue_name: `q${q}`,
    });
    if (d.work_pool_name !== POOL || d.work_queue_name !== `q${q}`)
      throw new Error(
        `${s.name} POST /deployments/: expected work_pool_name ${POOL}, work_queue_name q${q}; got ${d.work_pool_name}, ${d.work_queue_name}`,
      );
    deployments.push(d.id);
  }
  // Every batch is one deployment's: runs k with k % queues = q, in order.
  type Batch = { q: number; tag: "drain" | "paced"; items: { name: string; at: number }[] };
  const batches: Batch[] = [];
  const plan = (tag: "drain" | "paced", n: number, at: (k: number) => number) => {
    for (let q = 0; q < cfg.queues; q++) {
      let cur: Batch = { q, tag, items: [] };
      for (let k = q; k < n; k += cfg.queues) {
        cur.items.push({ name: `${tag}-${String(k).padStart(5, "0")}`, at: at(k) });
        if (cur.items.length === cfg.bulk) {
          batches.push(cur);
          cur = { q, tag, items: [] };
        }
      }
      if (cur.items.length) batches.push(cur);
    }
  };
  plan("drain", cfg.runs, (k) => drainBase + k * DRAIN_STEP_MS);
  plan("paced", pacedRuns, (k) => pacedBase + (k * 1000) / pacedPerS);
  const drain = new Set<string>();
  const paced = new Set<string>();
  let next = 0;
  let bulkRetries = 0;
  // Prefect's bulk route answers 200 with a FAILED item for each run it could not insert (its SQLite
  // server: "database is locked" while its own services write); those items are sent again.
  const writer = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      const batch = batches[b];
      let items = batch.items;
      for (let attempt = 0; items.length; attempt++) {
        if (attempt) await sleep(100 * Math.min(2 ** attempt, 20));
        const r = await api<{ results: { flow_run_id: string | null; status: string; error: string | null }[] }>(
          s,
          "POST",
          `/deployments/${deployments[batch.q]}/create_flow_run/bulk`,
          items.map((it) => ({
            name: it.name,
            tags: [batch.tag],
            state: { type: "SCHEDULED", state_details: { scheduled_time: new Date(it.at).toISOString() } },
          })),
        );
        if (r.results.length !== items.length)
          throw new Error(
            `${s.name} POST /deployments/{id}/create_flow_run/bulk: expected ${items.length} results, got ${r.results.length}`,
          );
        const failed = items.filter((_, i) => r.results[i].status !== "CREATED" || !r.results[i].flow_run_id);
        for (const x of r.results)
          if (x.status === "CREATED" && x.flow_run_id) (batch.tag === "drain" ? drain : paced).add(x.flow_run_id);
        if (failed.length && attempt >= 8)
          throw new Error(
            `${s.name} POST /deployments/{id}/create_flow_run/bulk: ${failed.length} of ${items.length} FAILED ` +
              `${attempt + 1} times (${JSON.stringify(r.results.find((x) => x.status !== "CREATED")).slice(0, 300)})`,
          );
        if (failed.length) bulkRetries += failed.length;
        items = failed;
      }
    }
  };
  await Promise.all(Array.from({ length: s.name === "prefect-sqlite" ? 1 : 4 }, writer));
  const seconds = (performance.now() - t0) / 1000;
  const scheduled = await countRuns(s, "drain", "SCHEDULED");
  if (scheduled !== cfg.runs || drain.size !== cfg.runs || paced.size !== pacedRuns)
    throw new Error(
      `${s.name}: after setup ${scheduled} drain runs Scheduled (${drain.size} ids), ${paced.size} paced ids; expected ${cfg.runs} and ${pacedRuns}`,
    );
  return { drain, paced, pacedBase, drainBase, seconds, runsPerS: (cfg.runs + pacedRuns) / seconds, bulkRetries };
}

const countRuns = (s: RunningServer, tag: string, state: string) =>
  api<number>(s, "POST", "/flow_runs/count", {
    flow_runs: { tags: { all_: [tag] }, state: { type: { any_: [state] } } },
  });

// ---------------------------------------------------------------------------------------------------
// The simulated workers

interface RunSeen {
  /** Workers whose poll answer carried the run, once per answer. */
  handedTo: number[];
  accepted: number;
}

class Phase {
  poll: number[] = [];
  heartbeat: number[] = [];
  setState: number[] = [];
  statuses: Record<string, number> = {};
  errors: Record<string, number> = {};
  errorSample: string | null = null;
  samples: Record<string, string> = {};
  handedOut = 0;
  emptyPolls = 0;
  /** Requests sent again after a connection reset. */
  resets = 0;
  runs = new Map<string, RunSeen>();
  /** Ids handed out that are not among the phase's runs. */
  foreign = 0;
  acceptedDistinct = 0;
  constructor(readonly own: Set<string>) {}

  error(kind: string, detail: string) {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.errorSample ??= `${kind}: ${detail.slice(0, 300)}`;
    this.samples[kind] ??= detail.slice(0, 300);
  }
}

/**
 * One POST, timed from the first send to the whole body read; null on a transport error or timeout. A
 * connection reset is sent again once at once, without counting as an error: Prefect's server closes the
 * connection after each 503 (Starlette re-raises the error it answered), and the next request on that
 * kept-alive socket meets the reset before the server reads it (Prefect's own client retries those too).
 */
async function post(
  s: RunningServer,
  path: string,
  body: unknown,
  times: number[],
  phase: Phase,
  kind: string,
): Promise<{ status: number; text: string } | null> {
  const t0 = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await fetch(`${s.api}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(cfg.requestTimeoutMs),
      });
      const text = await r.text();
      times.push(performance.now() - t0);
      if (!r.ok) phase.error(`${kind} HTTP ${r.status}`, text);
      return { status: r.status, text };
    } catch (e) {
      const err = e as Error & { code?: string };
      if (attempt === 0 && (err.code === "ECONNRESET" || /ECONNRESET|socket connection was closed/.test(err.message))) {
        phase.resets++;
        continue;
      }
      phase.error(`${kind} ${err.code ?? err.name}`, err.message);
      return null;
    }
  }
}

interface Loop {
  /** scheduled_before for the next poll, ms since the epoch. */
  before(): number;
  /** Stop before the next iteration. */
  done(): boolean;
  /** Minimum ms from one iteration's start to the next (0: closed loop). */
  periodMs: number;
  /** ms before the worker's first iteration. */
  offsetMs(i: number): number;
}

async function worker(s: RunningServer, i: number, phase: Phase, loop: Loop) {
  const name = `bench-worker-${String(i).padStart(3, "0")}`;
  await sleep(loop.offsetMs(i));
  while (!loop.done()) {
    const start = performance.now();
    await post(
      s,
      `/work_pools/${POOL}/workers/heartbeat`,
      { name, heartbeat_interval_seconds: cfg.heartbeatIntervalS },
      phase.heartbeat,
      phase,
      "heartbeat",
    );
    const r = await post(
      s,
      `/work_pools/${POOL}/get_scheduled_flow_runs`,
      { scheduled_before: new Date(loop.before()).toISOString(), limit: cfg.limit },
      phase.poll,
      phase,
      "poll",
    );
    let handed: string[] = [];
    if (r && r.status === 200) {
      try {
        handed = (JSON.parse(r.text) as { flow_run: { id: string } }[]).map((x) => x.flow_run.id);
      } catch (e) {
        phase.error("poll answer", `${(e as Error).message}: ${r.text.slice(0, 200)}`);
      }
    }
    if (r?.status !== 200) await sleep(50);
    if (handed.length === 0) phase.emptyPolls++;
    phase.handedOut += handed.length;
    for (const id of handed) {
      let seen = phase.runs.get(id);
      if (!seen) phase.runs.set(id, (seen = { handedTo: [], accepted: 0 }));
      seen.handedTo.push(i);
      if (!phase.own.has(id)) phase.foreign++;
    }
    // As a worker submits what it was handed: propose Pending; only an ACCEPT lets it start the run.
    for (const id of handed) {
      const a = await post(
        s,
        `/flow_runs/${id}/set_state`,
        { state: { type: "PENDING", name: "Pending" }, force: false },
        phase.setState,
        phase,
        "set_state",
      );
      if (!a || a.status < 200 || a.status > 299) continue;
      let status = "?";
      try {
        status = (JSON.parse(a.text) as { status: string }).status;
      } catch {}
      phase.statuses[status] = (phase.statuses[status] ?? 0) + 1;
      if (status === "ACCEPT") {
        const seen = phase.runs.get(id)!;
        if (++seen.accepted === 1 && phase.own.has(id)) phase.acceptedDistinct++;
      }
    }
    if (handed.length === 0 && loop.periodMs === 0) await sleep(20);
    const wait = loop.periodMs - (performance.now() - start);
    if (wait > 0) await sleep(wait);
  }
}

interface PhaseResult {
  seconds: number;
  /** When the last run of the phase's own was accepted (drain), s from the start. */
  drainedS: number | null;
  polls: number;
  heartbeats: number;
  setStates: number;
  poll: Pct;
  heartbeat: Pct;
  setState: Pct;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  errorSample: string | null;
  errorSamples: Record<string, string>;
  handedOut: number;
  resets: number;
  emptyPolls: number;
  distinctHanded: number;
  acceptedDistinct: number;
  /** Runs that more than one worker was handed. */
  handedToSeveral: number;
  /** Runs handed out more than once (to one worker or several). */
  handedTwice: number;
  maxWorkersOneRun: number;
  acceptedTwice: number;
  foreign: number;
  cpu: { server: number; db: number; bench: number };
}
interface Pct {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
const pct = (xs: number[]): Pct => ({
  n: xs.length,
  p50: median(xs),
  p95: percentile(xs, 0.95),
  p99: percentile(xs, 0.99),
  max: xs.length ? xs.reduce((a, b) => (b > a ? b : a), -Infinity) : NaN,
});

async function runPhase(
  s: RunningServer,
  own: Set<string>,
  loop: (phase: Phase, t0: number) => Loop,
  target: number | null,
): Promise<PhaseResult> {
  const phase = new Phase(own);
  const cpu0 = s.cpu();
  const bench0 = process.cpuUsage();
  const t0 = performance.now();
  let drainedAt: number | null = null;
  const l = loop(phase, t0);
  const watch = setInterval(() => {
    if (drainedAt === null && target !== null && phase.acceptedDistinct >= target) drainedAt = performance.now();
  }, 5);
  await Promise.all(Array.from({ length: cfg.workers }, (_, i) => worker(s, i, phase, l)));
  clearInterval(watch);
  if (drainedAt === null && target !== null && phase.acceptedDistinct >= target) drainedAt = performance.now();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = s.cpu();
  const bench = process.cpuUsage(bench0);
  let handedToSeveral = 0;
  let handedTwice = 0;
  let maxWorkersOneRun = 0;
  let acceptedTwice = 0;
  for (const r of phase.runs.values()) {
    const workers = new Set(r.handedTo).size;
    if (workers > 1) handedToSeveral++;
    if (r.handedTo.length > 1) handedTwice++;
    maxWorkersOneRun = Math.max(maxWorkersOneRun, workers);
    if (r.accepted > 1) acceptedTwice++;
  }
  return {
    seconds,
    drainedS: drainedAt === null ? null : (drainedAt - t0) / 1000,
    polls: phase.poll.length,
    heartbeats: phase.heartbeat.length,
    setStates: phase.setState.length,
    poll: pct(phase.poll),
    heartbeat: pct(phase.heartbeat),
    setState: pct(phase.setState),
    statuses: phase.statuses,
    errors: phase.errors,
    errorSample: phase.errorSample,
    errorSamples: phase.samples,
    handedOut: phase.handedOut,
    resets: phase.resets,
    emptyPolls: phase.emptyPolls,
    distinctHanded: phase.runs.size,
    acceptedDistinct: phase.acceptedDistinct,
    handedToSeveral,
    handedTwice,
    maxWorkersOneRun,
    acceptedTwice,
    foreign: phase.foreign,
    cpu: {
      server: cpu1.server - cpu0.server,
      db: cpu1.db - cpu0.db,
      bench: (bench.user + bench.system) / 1e6,
    },
  };
}

const logPhase = (s: RunningServer, label: string, r: PhaseResult) =>
  log(
    `${s.name} ${label}: ${r.seconds.toFixed(1)} s, ${r.polls} polls (p50 ${fmt(r.poll.p50, 1)} / p95 ${fmt(r.poll.p95, 1)} ms), ` +
      `heartbeat p95 ${fmt(r.heartbeat.p95, 1)} ms, set_state p95 ${fmt(r.setState.p95, 1)} ms; handed out ${r.handedOut} ` +
      `(${r.distinctHanded} runs, ${r.handedToSeveral} to several workers), accepted ${r.acceptedDistinct}, ` +
      `accepted twice ${r.acceptedTwice}; ${JSON.stringify(r.statuses)}; errors ${JSON.stringify(r.errors)}, ` +
      `${r.resets} resets sent again` +
      `${Object.keys(r.errorSamples).length ? ` (samples: ${JSON.stringify(r.errorSamples)})` : ""}`,
  );

// ---------------------------------------------------------------------------------------------------

interface SideResult {
  server: ServerName;
  setupS: number;
  setupRunsPerS: number;
  setupRetries: number;
  paced: PhaseResult;
  pacedLeft: number;
  drain: PhaseResult;
  /** The server's own counts of drain runs after the drain. */
  after: { scheduled: number; pending: number };
  logProblems: ReturnType<typeof serverLogProblems>;
  /** /proc/loadavg (1, 5, 15 min) before the paced phase and after the drain: others' work on the machine. */
  load: { before: number[]; after: number[] };
}

const homeWithProfile = (work: string, name: string) => {
  const home = mkdtempSync(join(work, `${name}-home-`));
  // Both servers read PREFECT_HOME/profiles.toml. The scheduler would add runs to the deployments; late
  // runs would move the runs to Late (still Scheduled, but a write racing the workers').
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

async function side(server: ServerName, work: string, pg: PgCluster | null): Promise<SideResult> {
  const db = freshDb(server, work, "workers", pg);
  const home = homeWithProfile(work, server);
  let s: RunningServer | null = null;
  try {
    migrate(server, db, home);
    s = await startServer(server, { db, home, pollMs: 20 });
    logServerStart(s);
    const seeded = await seed(s);
    log(
      `${server}: setup ${cfg.runs} + ${pacedRuns} runs in ${seeded.seconds.toFixed(1)} s (${seeded.runsPerS.toFixed(0)} runs/s; ${seeded.bulkRetries} bulk items answered FAILED and sent again)`,
    );

    const loadBefore = loadAvg();
    // Paced: the clock starts at the paced runs' base; one iteration a period per worker, staggered.
    const paced = await runPhase(
      s,
      seeded.paced,
      (_p, t0) => ({
        before: () => seeded.pacedBase + (performance.now() - t0) + cfg.prefetchMs,
        done: () => performance.now() - t0 >= cfg.pacedS * 1000,
        periodMs: cfg.periodMs,
        offsetMs: (i) => (i * cfg.periodMs) / cfg.workers,
      }),
      null,
    );
    logPhase(s, "paced", paced);
    let pacedLeft = 0;
    for (;;) {
      const r = await api<{ deleted: string[] }>(s, "POST", "/flow_runs/bulk_delete", {
        flow_runs: { tags: { all_: ["paced"] }, state: { type: { any_: ["SCHEDULED"] } } },
        limit: 50, // Prefect's most
      });
      pacedLeft += r.deleted.length;
      if (r.deleted.length === 0) break;
    }
    log(`${server}: ${pacedLeft} paced runs left Scheduled, deleted`);

    const before = seeded.drainBase + cfg.runs * DRAIN_STEP_MS + cfg.prefetchMs;
    const drain = await runPhase(
      s,
      seeded.drain,
      (p, t0) => ({
        before: () => before,
        done: () => p.acceptedDistinct >= cfg.runs || performance.now() - t0 >= cfg.budgetS * 1000,
        periodMs: 0,
        offsetMs: () => 0,
      }),
      cfg.runs,
    );
    logPhase(s, "drain", drain);
    const after = {
      scheduled: await countRuns(s, "drain", "SCHEDULED"),
      pending: await countRuns(s, "drain", "PENDING"),
    };
    log(`${server}: after the drain ${after.scheduled} drain runs Scheduled, ${after.pending} Pending`);
    return {
      server,
      setupS: seeded.seconds,
      setupRunsPerS: seeded.runsPerS,
      setupRetries: seeded.bulkRetries,
      paced,
      pacedLeft,
      drain,
      after,
      logProblems: serverLogProblems(s),
      load: { before: loadBefore, after: loadAvg() },
    };
  } finally {
    await s?.stop();
    dropDb(db);
    if (!args.keep) rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

function report(results: SideResult[], meta: Record<string, unknown>) {
  const table = sideBySide(dialects, results);
  const { get, row, section } = table;
  const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
  const n0 = (x: number) => x.toFixed(0);
  const perS = (x: number) => (x >= 100 ? `${x.toFixed(0)}/s` : `${x.toFixed(1)}/s`);
  const sec = (x: number) => `${x.toFixed(1)} s`;
  const nonAccept = (r: PhaseResult) =>
    Object.entries(r.statuses)
      .filter(([k]) => k !== "ACCEPT")
      .reduce((a, [, v]) => a + v, 0);
  const errs = (r: PhaseResult) => Object.values(r.errors).reduce((a, b) => a + b, 0);

  section("setup");
  row(
    `pool, ${cfg.queues} queues, ${cfg.queues} deployments, ${cfg.runs + pacedRuns} runs in bulk`,
    (r) => r.setupS,
    sec,
  );
  row("runs created per second", (r) => r.setupRunsPerS, perS);
  section(`paced: ${cfg.workers} workers, one loop each every ${cfg.periodMs} ms, ${cfg.pacedS} s`);
  row("polls answered per second", (r) => r.paced.polls / r.paced.seconds, perS);
  row("get_scheduled_flow_runs p50", (r) => r.paced.poll.p50, ms);
  row("get_scheduled_flow_runs p95", (r) => r.paced.poll.p95, ms);
  row("get_scheduled_flow_runs p99", (r) => r.paced.poll.p99, ms);
  row("heartbeat p50", (r) => r.paced.heartbeat.p50, ms);
  row("heartbeat p95", (r) => r.paced.heartbeat.p95, ms);
  row("set_state PENDING p95", (r) => r.paced.setState.p95, ms);
  row(`runs accepted into PENDING (of ${pacedRuns} arriving)`, (r) => r.paced.acceptedDistinct, n0);
  row("runs handed to more than one worker", (r) => r.paced.handedToSeveral, n0, false);
  row("runs accepted into PENDING twice", (r) => r.paced.acceptedTwice, n0, false);
  row("proposals answered ABORT/REJECT/WAIT", (r) => nonAccept(r.paced), n0, false);
  row("errors (non-2xx, timeouts)", (r) => errs(r.paced), n0, false);
  section(`drain: ${cfg.workers} workers in a closed loop, ${cfg.runs} runs due`);
  row(
    `time to drain ${cfg.runs} runs`,
    (r) => r.drain.drainedS ?? undefined,
    sec,
    true,
    (r) =>
      r.drain.drainedS === null
        ? `not in ${r.drain.seconds.toFixed(0)} s (${r.drain.acceptedDistinct} accepted)`
        : null,
  );
  row(
    "throughput: runs accepted into PENDING per second",
    (r) => r.drain.acceptedDistinct / (r.drain.drainedS ?? r.drain.seconds),
    perS,
  );
  row("polls per second", (r) => r.drain.polls / r.drain.seconds, perS);
  row("runs handed out per second", (r) => r.drain.handedOut / r.drain.seconds, perS);
  row("get_scheduled_flow_runs p50", (r) => r.drain.poll.p50, ms);
  row("get_scheduled_flow_runs p95", (r) => r.drain.poll.p95, ms);
  row("get_scheduled_flow_runs p99", (r) => r.drain.poll.p99, ms);
  row("heartbeat p50", (r) => r.drain.heartbeat.p50, ms);
  row("heartbeat p95", (r) => r.drain.heartbeat.p95, ms);
  row("set_state PENDING p95", (r) => r.drain.setState.p95, ms);
  row("runs handed out (answers' items)", (r) => r.drain.handedOut, n0, false);
  row("runs handed to more than one worker", (r) => r.drain.handedToSeveral, n0, false);
  row("most workers one run was handed to", (r) => r.drain.maxWorkersOneRun, n0, false);
  row("runs accepted into PENDING twice", (r) => r.drain.acceptedTwice, n0, false);
  row("proposals answered ABORT/REJECT/WAIT", (r) => nonAccept(r.drain), n0, false);
  row("errors (non-2xx, timeouts)", (r) => errs(r.drain), n0, false);
  row(
    "server CPU, s (PostgreSQL: + cluster)",
    (r) => r.drain.cpu.server + r.drain.cpu.db,
    (x) => x.toFixed(1),
  );
  row(
    "bench process (the workers) CPU, s",
    (r) => r.drain.cpu.bench,
    (x) => x.toFixed(1),
  );

  const goals: string[] = [];
  const checks: string[] = [];
  for (const d of dialects) {
    const name = d === "sqlite" ? "SQLite" : "PostgreSQL";
    for (const impl of ["lite", "prefect"] as const) {
      const r = get(d, impl);
      if (!r) continue;
      const ok = r.after.scheduled === 0 && r.after.pending === cfg.runs;
      checks.push(
        `- ${r.server}: after the drain the server counts ${r.after.scheduled} drain runs Scheduled and ${r.after.pending} Pending` +
          `${ok ? "" : ` (expected 0 and ${cfg.runs})`}; ${r.drain.acceptedDistinct} accepted in ${fmt(r.drain.drainedS ?? r.drain.seconds, 1)} s; ` +
          `answers ${JSON.stringify({ paced: r.paced.statuses, drain: r.drain.statuses })}` +
          `${r.paced.errorSample || r.drain.errorSample ? `; first error: ${r.paced.errorSample ?? r.drain.errorSample}` : ""}` +
          `${r.drain.foreign + r.paced.foreign ? `; ${r.drain.foreign + r.paced.foreign} runs handed out that were not the phase's` : ""}` +
          `; paced runs left Scheduled and deleted: ${r.pacedLeft}; load average ${r.load.before.join(" ")} before the ` +
          `paced phase, ${r.load.after.join(" ")} after the drain` +
          `${r.setupRetries ? `; setup: ${r.setupRetries} bulk items answered FAILED (database is locked) and sent again` : ""}.`,
      );
    }
    const l = get(d, "lite");
    const p = get(d, "prefect");
    if (!l) continue;
    const rate = (r: SideResult) => r.drain.acceptedDistinct / (r.drain.drainedS ?? r.drain.seconds);
    const thr = p ? rate(l) / rate(p) : NaN;
    const p95 = Math.max(l.paced.poll.p95, l.paced.heartbeat.p95);
    const p95drain = Math.max(l.drain.poll.p95, l.drain.heartbeat.p95);
    const several = l.paced.handedToSeveral + l.drain.handedToSeveral;
    const twice = l.paced.acceptedTwice + l.drain.acceptedTwice;
    const pSeveral = p ? `; Prefect: ${p.paced.handedToSeveral + p.drain.handedToSeveral}` : "";
    goals.push(
      `- ${name}: throughput ≥ 20× Prefect's: ${Number.isFinite(thr) ? `${thr.toFixed(1)}× — ${thr >= 20 ? "met" : "NOT met"}` : "no Prefect figure"}; ` +
        `get_scheduled_flow_runs and heartbeat p95 ≤ 10 ms (paced): ${p95.toFixed(1)} ms — ${p95 <= 10 ? "met" : "NOT met"} ` +
        `(in the closed-loop drain: ${p95drain.toFixed(1)} ms); no run given to two workers: ${twice} runs accepted into ` +
        `PENDING twice — ${twice === 0 ? "met" : "NOT met"}; handed out to two workers or more (all but one proposal ` +
        `answered ABORT): ${several} runs — ${several === 0 ? "none" : "the poll hands a run to every poller until one moves it to Pending"}${pSeveral}.`,
    );
  }
  const problems = results.filter((r) => r.logProblems.errors || r.logProblems.locked);
  const m = meta.machine as ReturnType<typeof machine>;
  return [
    "# Workers polling one work pool",
    "",
    `${String(meta.date).slice(0, 16).replace("T", " ")} UTC · prefect-lite ${meta.liteCommit} · ${m.cpu}, ${m.cores} cores (servers, ` +
      `PostgreSQL and the ${cfg.workers} simulated workers share them), ${m.memGiB} GiB · Bun ${m.bun} · Prefect ${m.prefect} · ` +
      `${m.postgres} · ${Math.round(Number(meta.elapsedS))} s · load average ${(meta.loadAvgStart as number[]).join(" ")} at the start, ` +
      `${(meta.loadAvgEnd as number[]).join(" ")} at the end`,
    "",
    ...table.header(),
    ...table.rows,
    "",
    `Ratios are prefect-lite ÷ Prefect. One pool (type process), ${cfg.queues} queues (priority 1…${cfg.queues}), a ` +
      `deployment per queue; ${cfg.runs} drain runs and ${pacedRuns} paced runs spread over them. A worker's loop: heartbeat, ` +
      `get_scheduled_flow_runs (limit ${cfg.limit}, scheduled_before now + ${cfg.prefetchMs / 1000} s), then set_state PENDING ` +
      `for each run handed out, one after another. Paced: the runs arrive ${pacedPerS.toFixed(0)} a second while the ` +
      `${cfg.runs} drain runs wait Scheduled, not due, in the pool; n = ${results.map((r) => `${r.server} ${r.paced.polls}`).join(", ")} polls. ` +
      `Drain: no pause between loops; until every drain run was accepted once (at most ${cfg.budgetS} s). Latencies are the ` +
      `workers' (send to body read), so in the closed loop they include waiting behind the other workers' requests: with ` +
      `${cfg.workers} requests in flight a request's latency is about ${cfg.workers} ÷ the server's request rate.`,
    "",
    "Goals (issue 13):",
    ...goals,
    "",
    "Checks:",
    ...checks,
    ...(problems.length
      ? [
          "",
          ...problems.map(
            (p) =>
              `Server log ${p.server}: ${p.logProblems.errors} error lines, ${p.logProblems.locked} locked; ${p.logProblems.sample ?? ""}`,
          ),
        ]
      : []),
    ...(notes.length ? ["", ...notes.map((x) => `Note: ${x}`)] : []),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------

await runSides({
  name: "workers",
  out: args.str("out"),
  bin: args.str("bin"),
  keep: args.keep,
  dialects,
  lite: withLite,
  prefect: withPrefect,
  config: { ...cfg, pacedRuns, pacedPerS, dialects, withPrefect, withLite },
  notes,
  side,
  report,
});
