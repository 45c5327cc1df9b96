// Soak: the compiled binary under 64 mixed clients for minutes at a time (10 by default), the way SDK
// users load it — flows and flow runs created, states set through a run's life, task runs, log batches,
// events over POST /api/events/, and dashboard-style filter/count/paginate reads — while RSS is sampled
// from /proc/<pid>/status. The question it answers: does memory grow with the number of requests served
// (something retained per request) or settle at a high-water mark? Goal (issue 10): RSS after the soak
// ≤ 2× idle, flat over the second half of the load, zero errors.
//
//   node_modules/.bin/bun test/bench/soak.ts [--minutes 10] [--clients 64] [--idle-seconds 45]
//       [--sample-seconds 3] [--servers lite-sqlite,lite-pg] [--bin PATH] [--build] [--probe PATH] [--out DIR]
//
// --probe PATH also GETs base+PATH at every sample and keeps its JSON (for a build with a memory
// endpoint). Writes test-output/bench/soak-<timestamp>.{md,json} and soak-latest.{md,json}. Loopback
// only; the load stops by itself after --minutes, every request has a 30 s timeout.
//
//   worker mode (internal): bun test/bench/soak.ts --worker < spec.json > result.json
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ENDPOINTS, type EndpointCtx, type RequestSpec } from "./endpoints.ts";
import {
  cleanupAll,
  installCleanupHandlers,
  LITE_BIN,
  logServerStart,
  serverLogProblems,
  setLiteBin,
  startPg,
  startServer,
  freshDb,
  type PgCluster,
  type ServerName,
} from "./servers.ts";
import { buildBinaryInto, cpuTreeSeconds, fmt, loadAvg, log, machine, percentile, ROOT, sleep } from "./util.ts";

// ---------------------------------------------------------------------------------------------------
// The load worker: a separate bun process, so the clients' heap and event loop are not the sampler's.

interface WorkerSpec {
  api: string;
  clients: number;
  durationMs: number;
  timeoutMs: number;
  tag: string;
}

interface KindStats {
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

interface WorkerResult {
  durationS: number;
  ok: number;
  errors: number;
  errorClasses: Record<string, number>;
  errorSamples: Record<string, string>;
  kinds: Record<string, KindStats>;
  /** Successful requests completed in each second of the load. */
  perSecond: number[];
  loadgenCpuS: number;
}

const post = (path: string, body: unknown): RequestSpec => ({ method: "POST", path, body: JSON.stringify(body) });
const STATE = (type: string) => ({ type, message: null, state_details: {} });
/** 1…100 logs a batch, varying: the SDK ships what a run printed since the last flush. */
const logBatch = (runId: string, taskRunId: string | null, n: number, now: string) =>
  Array.from({ length: n }, (_, k) => ({
    name: "prefect.flow_runs",
    level: 20,
    message: `soak log line ${k} of ${n} with some ordinary text in it`,
    timestamp: now,
    flow_run_id: runId,
    task_run_id: taskRunId,
  }));
/** A few custom events about a run (as emit_event makes them), each with the flow as a related resource. */
const events = (runId: string, flowId: string, n: number) =>
  Array.from({ length: n }, (_, k) => ({
    id: crypto.randomUUID(),
    occurred: new Date().toISOString(),
    event: `soak.step.${k % 3 ? "done" : "started"}`,
    resource: { "prefect.resource.id": `prefect.flow-run.${runId}`, "prefect.resource.name": `step-${k}` },
    related: [{ "prefect.resource.id": `prefect.flow.${flowId}`, "prefect.resource.role": "flow" }],
    payload: { step: k, note: "soak" },
  }));

type Send = (kind: string, req: RequestSpec) => Promise<any>;

/** One flow run's life as the SDK drives it: upsert the flow, create the run, RUNNING, task runs with
 * their states, logs and events along the way, COMPLETED, read the run back. */
async function runner(send: Send, ctx: EndpointCtx, i: number, seq: number) {
  const flow = await send("POST /flows/", post("/flows/", { name: `soak-flow-${i % 8}`, tags: [], labels: {} }));
  const now = new Date().toISOString();
  const run = await send("POST /flow_runs/", ENDPOINTS.flow_runs_create.make({ ...ctx, flowId: flow.id }, i, seq));
  await send("set_state (flow run)", post(`/flow_runs/${run.id}/set_state`, { state: STATE("RUNNING"), force: false }));
  for (let t = 0; t < 3; t++) {
    const task = await send(
      "POST /task_runs/",
      ENDPOINTS.task_runs_create.make({ ...ctx, flowRunId: run.id, tag: `${ctx.tag}-${seq}` }, i, t),
    );
    await send(
      "set_state (task run)",
      post(`/task_runs/${task.id}/set_state`, { state: STATE("RUNNING"), force: false }),
    );
    await send("POST /logs/", post("/logs/", logBatch(run.id, task.id, 1 + ((seq * 37 + t * 11) % 100), now)));
    await send(
      "set_state (task run)",
      post(`/task_runs/${task.id}/set_state`, { state: STATE("COMPLETED"), force: false }),
    );
  }
  await send("POST /events/", post("/events/", events(run.id, flow.id, 1 + (seq % 10))));
  await send(
    "set_state (flow run)",
    post(`/flow_runs/${run.id}/set_state`, { state: STATE("COMPLETED"), force: false }),
  );
  await send("GET /flow_runs/{id}", { method: "GET", path: `/flow_runs/${run.id}` });
  return run.id as string;
}

const SORTS = ["START_TIME_DESC", "EXPECTED_START_TIME_DESC", "NAME_ASC", "ID_DESC"];
/** Dashboard and `prefect flow-run ls` reads over what the runners wrote. */
async function reader(send: Send, ctx: EndpointCtx, seq: number, lastRun: string | null) {
  await send("POST /flow_runs/filter", ENDPOINTS.flow_runs_filter.make(ctx, 0, seq));
  await send("POST /flow_runs/count", ENDPOINTS.flow_runs_count.make(ctx, 0, seq));
  await send(
    "POST /flow_runs/paginate",
    post("/flow_runs/paginate", { sort: SORTS[seq % SORTS.length], limit: 25, page: 1 + (seq % 5) }),
  );
  await send("POST /flows/filter", post("/flows/filter", { limit: 20 }));
  if (!lastRun) return;
  await send(
    "POST /task_runs/filter",
    post("/task_runs/filter", { flow_runs: { id: { any_: [lastRun] } }, sort: "EXPECTED_START_TIME_DESC", limit: 50 }),
  );
  await send(
    "POST /logs/filter",
    post("/logs/filter", { logs: { flow_run_id: { any_: [lastRun] } }, sort: "TIMESTAMP_ASC", limit: 200 }),
  );
  await send(
    "POST /events/filter",
    post("/events/filter", { filter: { resource: { id: [`prefect.flow-run.${lastRun}`] } }, limit: 50 }),
  );
}

async function worker(spec: WorkerSpec): Promise<WorkerResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + spec.durationMs;
  const lat = new Map<string, number[]>();
  const kindErrors = new Map<string, number>();
  const errorClasses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const perSecond: number[] = [];
  let ok = 0;
  let errors = 0;
  const abort = new AbortController();
  const headers = { "content-type": "application/json" };
  const fail = (kind: string, cls: string, sample: string) => {
    errors++;
    kindErrors.set(kind, (kindErrors.get(kind) ?? 0) + 1);
    errorClasses[cls] = (errorClasses[cls] ?? 0) + 1;
    errorSamples[cls] ??= `${kind}: ${sample.slice(0, 300)}`;
    return new Error(cls);
  };
  // Every request counts: a non-2xx, a network error, a timeout or a set_state that was not accepted.
  const send: Send = async (kind, req) => {
    const start = performance.now();
    let r: Response;
    let text: string;
    try {
      r = await fetch(spec.api + req.path, {
        method: req.method,
        headers,
        body: req.body,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(spec.timeoutMs)]),
      });
      text = await r.text();
    } catch (e) {
      const err = e as Error;
      throw fail(kind, err.name === "TimeoutError" ? "timeout" : `network: ${err.message.slice(0, 80)}`, err.message);
    }
    const done = performance.now();
    if (r.status < 200 || r.status >= 300) throw fail(kind, `${kind} HTTP ${r.status}`, text);
    if (kind.startsWith("set_state")) {
      const bad = ENDPOINTS.set_state.check!(text);
      if (bad) throw fail(kind, `${kind} ${bad}`, text);
    }
    ok++;
    const sec = Math.floor((done - t0) / 1000);
    perSecond[sec] = (perSecond[sec] ?? 0) + 1;
    let l = lat.get(kind);
    if (!l) lat.set(kind, (l = []));
    l.push(done - start);
    return text ? JSON.parse(text) : null;
  };

  // Three runners to one reader: SDK processes writing, a dashboard and CLI users reading.
  async function client(i: number) {
    const ctx: EndpointCtx = {
      tag: `${spec.tag}-${i}`,
      flowId: "",
      flowRunId: "",
      runIds: [],
      now: new Date().toISOString(),
    };
    let lastRun: string | null = null;
    for (let seq = 0; performance.now() < end; seq++) {
      try {
        if (i % 4 === 3) await reader(send, ctx, seq, lastRun);
        else lastRun = await runner(send, ctx, i, seq);
        if (i % 4 === 3 && seq % 10 === 0) lastRun = await runner(send, ctx, i, seq); // readers look at fresh runs too
      } catch (e) {
        // Counted in send(); a dead server must not be hammered in a tight loop.
        if (String((e as Error).message).startsWith("network")) await Bun.sleep(50);
      }
    }
  }
  const watchdog = setTimeout(() => abort.abort(), spec.durationMs + spec.timeoutMs);
  await Promise.allSettled(Array.from({ length: spec.clients }, (_, i) => client(i)));
  clearTimeout(watchdog);
  const kinds: Record<string, KindStats> = {};
  for (const k of new Set([...lat.keys(), ...kindErrors.keys()])) {
    const l = lat.get(k) ?? [];
    kinds[k] = {
      ok: l.length,
      errors: kindErrors.get(k) ?? 0,
      p50: percentile(l, 0.5),
      p99: percentile(l, 0.99),
      max: l.length ? l.reduce((a, b) => (b > a ? b : a), 0) : NaN,
    };
  }
  const cpu = process.cpuUsage(cpu0);
  for (let s = 0; s < perSecond.length; s++) perSecond[s] ??= 0;
  return {
    durationS: (performance.now() - t0) / 1000,
    ok,
    errors,
    errorClasses,
    errorSamples,
    kinds,
    perSecond,
    loadgenCpuS: (cpu.user + cpu.system) / 1e6,
  };
}

if (import.meta.main && process.argv.includes("--worker")) {
  const spec = JSON.parse(await Bun.stdin.text()) as WorkerSpec;
  process.stdout.write(JSON.stringify(await worker(spec)));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------
// The harness: start the server, sample it before, during and after the load.

interface Sample {
  /** Seconds since the server started answering. */
  t: number;
  phase: "idle-before" | "load" | "idle-after";
  rssMb: number;
  anonMb: number;
  fileMb: number;
  hwmMb: number;
  cpuS: number;
  load1: number;
  probe?: unknown;
}

function procStatus(pid: number) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) / 1024;
  return { rssMb: kb("VmRSS"), anonMb: kb("RssAnon"), fileMb: kb("RssFile") + kb("RssShmem"), hwmMb: kb("VmHWM") };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let k = 0; k < n; k++) {
    num += (xs[k] - mx) * (ys[k] - my);
    den += (xs[k] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

interface SoakRun {
  server: ServerName;
  startMs: number;
  samples: Sample[];
  load: WorkerResult;
  rss: { idleBefore: number; peak: number; endOfLoad: number; afterIdle: number; midLoad: number };
  /** RSS slope over the second half of the load, MB per minute, and its change over that half. */
  secondHalf: { slopeMbPerMin: number; changeMb: number; minMb: number; maxMb: number };
  goals: { afterIdleWithin2x: boolean; flatSecondHalf: boolean; zeroErrors: boolean };
  serverLog: ReturnType<typeof serverLogProblems>;
}

// "Flat": the second half's fitted growth stays under 5% of the RSS at half-time (sampling noise and a
// page cache still filling are a few MB; a per-request leak at thousands of requests/s is far more).
const FLAT_FRACTION = 0.05;

async function soak(
  name: ServerName,
  o: {
    minutes: number;
    clients: number;
    idleS: number;
    sampleS: number;
    probe?: string;
    work: string;
    pg: PgCluster | null;
  },
): Promise<SoakRun> {
  const s = await startServer(name, {
    db: freshDb(name, o.work, "soak", o.pg),
    home: join(o.work, `${name}-soak-home`),
  });
  logServerStart(s);
  const samples: Sample[] = [];
  const t0 = performance.now();
  let stopped = false;
  const take = async (phase: Sample["phase"]) => {
    const st = procStatus(s.pid);
    const probe = o.probe
      ? await fetch(s.base + o.probe).then(
          (r) => r.json(),
          (e) => ({ error: String(e) }),
        )
      : undefined;
    const sm: Sample = {
      t: (performance.now() - t0) / 1000,
      phase,
      ...st,
      cpuS: cpuTreeSeconds(s.pid),
      load1: loadAvg()[0],
      ...(probe ? { probe } : {}),
    };
    samples.push(sm);
    return sm;
  };
  try {
    // Idle before: a few seconds after start, as test/bench/startup.ts measures idle RSS.
    for (let k = 0; k < 3; k++) {
      await sleep(o.sampleS * 1000);
      await take("idle-before");
    }
    const idleBefore = samples.at(-1)!.rssMb;
    log(`${name}: idle RSS ${fmt(idleBefore)} MB; ${o.clients} clients for ${o.minutes} min`);
    const spec: WorkerSpec = {
      api: s.api,
      clients: o.clients,
      durationMs: o.minutes * 60_000,
      timeoutMs: 30_000,
      tag: Date.now().toString(36),
    };
    const proc = Bun.spawn([process.execPath, import.meta.path, "--worker"], {
      stdin: new Blob([JSON.stringify(spec)]),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "512" },
    });
    const hardLimit = setTimeout(() => proc.kill("SIGKILL"), spec.durationMs + spec.timeoutMs + 60_000);
    const outP = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    let finished = false;
    void outP.then(() => (finished = true));
    let lastLog = 0;
    while (!finished) {
      await Promise.race([sleep(o.sampleS * 1000), outP]);
      if (finished) break;
      const sm = await take("load");
      if (sm.t - lastLog >= 30) {
        lastLog = sm.t;
        log(
          `${name}: t=${sm.t.toFixed(0)} s RSS ${fmt(sm.rssMb)} MB (anon ${fmt(sm.anonMb)}, file ${fmt(sm.fileMb)}) load ${sm.load1}`,
        );
      }
    }
    const [out, err] = await outP;
    clearTimeout(hardLimit);
    let load: WorkerResult;
    try {
      load = JSON.parse(out, (_k, v) => (v === null ? NaN : v)) as WorkerResult;
    } catch {
      throw new Error(`soak worker failed (exit ${proc.exitCode}): ${err.slice(-1500)} ${out.slice(-500)}`);
    }
    const endOfLoad = (await take("load")).rssMb;
    log(`${name}: load done, ${load.ok} ok, ${load.errors} errors, RSS ${fmt(endOfLoad)} MB; idle ${o.idleS} s`);
    const idleEnd = performance.now() + o.idleS * 1000;
    while (performance.now() < idleEnd) {
      await sleep(Math.min(o.sampleS * 1000, Math.max(0, idleEnd - performance.now())));
      await take("idle-after");
    }
    const afterIdle = samples.at(-1)!.rssMb;
    const loadSamples = samples.filter((x) => x.phase === "load");
    const tMid = (loadSamples[0].t + loadSamples.at(-1)!.t) / 2;
    const half = loadSamples.filter((x) => x.t >= tMid);
    const sl = slope(
      half.map((x) => x.t / 60),
      half.map((x) => x.rssMb),
    );
    const changeMb = sl * ((half.at(-1)!.t - half[0].t) / 60);
    const run: SoakRun = {
      server: name,
      startMs: s.startMs,
      samples,
      load,
      rss: { idleBefore, peak: Math.max(...samples.map((x) => x.rssMb)), endOfLoad, afterIdle, midLoad: half[0].rssMb },
      secondHalf: {
        slopeMbPerMin: sl,
        changeMb,
        minMb: Math.min(...half.map((x) => x.rssMb)),
        maxMb: Math.max(...half.map((x) => x.rssMb)),
      },
      goals: {
        afterIdleWithin2x: afterIdle <= 2 * idleBefore,
        flatSecondHalf: changeMb <= FLAT_FRACTION * half[0].rssMb,
        zeroErrors: load.errors === 0,
      },
      serverLog: { locked: 0, errors: 0, dropped: 0, sample: null },
    };
    await s.stop();
    stopped = true;
    run.serverLog = serverLogProblems(s);
    return run;
  } finally {
    if (!stopped) await s.stop();
  }
}

function renderMarkdown(meta: Record<string, unknown>, runs: SoakRun[]): string {
  const out: string[] = [];
  const m = meta as any;
  out.push(`# prefect-lite soak: ${m.clients} mixed clients for ${m.minutes} min`, "");
  out.push(
    `${m.date}; ${m.liteBin}, commit ${m.liteCommit}; ${m.machine.cpu}, ${m.machine.cores} cores, Bun ${m.machine.bun}.`,
  );
  out.push(
    `Load average at start ${m.loadAvgStart.join(" ")}, at end ${m.loadAvgEnd.join(" ")} (the machine is shared: figures are noisy).`,
    "",
  );
  for (const r of runs) {
    const g = r.goals;
    out.push(`## ${r.server}`, "");
    out.push(
      `| RSS (MB) | idle before | mid-load | peak | end of load | after ${m.idleSeconds} s idle |`,
      "|---|---|---|---|---|---|",
    );
    out.push(
      `| VmRSS | ${fmt(r.rss.idleBefore)} | ${fmt(r.rss.midLoad)} | ${fmt(r.rss.peak)} | ${fmt(r.rss.endOfLoad)} | ${fmt(r.rss.afterIdle)} |`,
      "",
    );
    out.push(
      `Second half of the load: RSS ${fmt(r.secondHalf.minMb)}–${fmt(r.secondHalf.maxMb)} MB, fitted slope ${fmt(r.secondHalf.slopeMbPerMin, 2)} MB/min (${fmt(r.secondHalf.changeMb)} MB over the half).`,
    );
    out.push(
      `Goals: after idle ≤ 2× idle ${g.afterIdleWithin2x ? "met" : "NOT met"} (${fmt(r.rss.afterIdle / r.rss.idleBefore, 2)}×); flat second half ${g.flatSecondHalf ? "met" : "NOT met"}; zero errors ${g.zeroErrors ? "met" : `NOT met (${r.load.errors})`}.`,
      "",
    );
    const ps = r.load.perSecond;
    const third = Math.max(1, Math.floor(ps.length / 3));
    const rate = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    out.push(
      `Throughput ${fmt(r.load.ok / r.load.durationS, 0)} req/s overall (first third ${fmt(rate(ps.slice(0, third)), 0)}, last third ${fmt(rate(ps.slice(-third)), 0)}); ${r.load.ok} ok, ${r.load.errors} errors; load generator CPU ${fmt(r.load.loadgenCpuS, 0)} s.`,
      "",
    );
    out.push("| request | ok | errors | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|");
    for (const [k, v] of Object.entries(r.load.kinds).sort((a, b) => b[1].ok - a[1].ok))
      out.push(`| ${k} | ${v.ok} | ${v.errors} | ${fmt(v.p50, 2)} | ${fmt(v.p99, 1)} | ${fmt(v.max, 0)} |`);
    out.push("");
    if (r.load.errors)
      out.push(
        "Errors: " +
          Object.entries(r.load.errorClasses)
            .map(([k, n]) => `${k} ×${n} (${r.load.errorSamples[k]})`)
            .join("; "),
        "",
      );
    if (r.serverLog.errors || r.serverLog.locked)
      out.push(
        `Server log: ${r.serverLog.errors} error lines, ${r.serverLog.locked} "database is locked"; first: ${r.serverLog.sample}`,
        "",
      );
    // The first and last sample of each phase and one every 30 s between; the JSON has every sample.
    out.push(
      "| t (s) | phase | RSS MB | anon MB | file+shm MB | server CPU s | load avg |",
      "|---|---|---|---|---|---|---|",
    );
    let next = 0;
    r.samples.forEach((x, k) => {
      const edge = r.samples[k - 1]?.phase !== x.phase || r.samples[k + 1]?.phase !== x.phase;
      if (!edge && x.t < next) return;
      next = Math.max(next, Math.floor(x.t / 30) * 30 + 30);
      out.push(
        `| ${x.t.toFixed(0)} | ${x.phase} | ${fmt(x.rssMb)} | ${fmt(x.anonMb)} | ${fmt(x.fileMb)} | ${fmt(x.cpuS)} | ${x.load1} |`,
      );
    });
    out.push("");
  }
  return out.join("\n");
}

if (import.meta.main && !process.argv.includes("--worker")) {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "10" },
      clients: { type: "string", default: "64" },
      "idle-seconds": { type: "string", default: "45" },
      "sample-seconds": { type: "string", default: "3" },
      servers: { type: "string", default: "lite-sqlite" },
      bin: { type: "string" },
      build: { type: "boolean", default: false },
      probe: { type: "string" },
      out: { type: "string" },
    },
  });
  const outDir = resolve(values.out ?? join(ROOT, "test-output", "bench"));
  mkdirSync(outDir, { recursive: true });
  if (values.build) setLiteBin(buildBinaryInto(outDir));
  else if (values.bin) setLiteBin(resolve(values.bin));
  const servers = values.servers!.split(",").map((x) => x.trim()) as ServerName[];
  for (const sv of servers)
    if (sv !== "lite-sqlite" && sv !== "lite-pg")
      throw new Error(`the soak runs prefect-lite only: lite-sqlite, lite-pg (got ${sv})`);
  const o = {
    minutes: Number(values.minutes),
    clients: Number(values.clients),
    idleS: Number(values["idle-seconds"]),
    sampleS: Number(values["sample-seconds"]),
    probe: values.probe,
  };
  installCleanupHandlers();
  const work = mkdtempSync(join(tmpdir(), "pl-soak-"));
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT }).stdout.toString().trim();
  const dirty =
    Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no", "src", "migrations"], { cwd: ROOT })
      .stdout.toString()
      .trim() !== "";
  const meta: Record<string, unknown> = {
    date: new Date().toISOString(),
    minutes: o.minutes,
    clients: o.clients,
    idleSeconds: o.idleS,
    sampleSeconds: o.sampleS,
    servers,
    machine: machine(),
    liteBin: LITE_BIN,
    // A binary given with --bin may come from any tree; only a --build or dist/ binary is this checkout's.
    liteCommit: values.bin
      ? `unknown (--bin; this checkout is at ${commit})`
      : `${commit}${dirty ? " + uncommitted changes" : ""}`,
    loadAvgStart: loadAvg(),
    loadAvgEnd: [],
  };
  const runs: SoakRun[] = [];
  let pg: PgCluster | null = null;
  try {
    if (servers.includes("lite-pg")) pg = await startPg();
    for (const sv of servers) runs.push(await soak(sv, { ...o, work, pg }));
  } finally {
    cleanupAll();
    rmSync(work, { recursive: true, force: true });
  }
  meta.loadAvgEnd = loadAvg();
  const md = renderMarkdown(meta, runs);
  const json = JSON.stringify({ meta, runs }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
  const stamp = String(meta.date).replace(/[:.]/g, "-").slice(0, 19);
  for (const name of [`soak-${stamp}`, "soak-latest"]) {
    writeFileSync(join(outDir, `${name}.md`), `${md}\n`);
    writeFileSync(join(outDir, `${name}.json`), `${json}\n`);
  }
  console.log(md);
  process.exit(runs.every((r) => r.goals.zeroErrors) ? 0 : 1);
}
