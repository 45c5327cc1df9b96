// Notifications under load (issue 16): prefect-lite beside Prefect 3's own server, on SQLite and on
// PostgreSQL, the same automations, receiver and clients for both, in one run on one machine.
//
//   bun test/bench/automations.ts [--only sqlite|pg] [--automations 1000] [--rate 50] [--seconds 30]
//       [--clients 8] [--quick] [--no-prefect] [--no-lite] [--bin PATH] [--out DIR] [--keep]
//
// Each server, on a fresh database: a custom-webhook notification block pointing at a receiver in this
// process, then
// 1. throughput without automations: `--clients` clients in a closed loop for `--seconds`, each making
//    a run tagged `bench` (Pending) and moving it Running, then Completed: transitions a second;
// 2. `--automations` automations, one per tag, each "a run with this tag enters Completed → send a
//    notification whose body is the run's id" — one of them on `bench`, so every Completed run is one
//    delivery and the rest are evaluated for every event and never fire;
// 3. latency at `--rate` transitions a second (open loop, a new run every 3/rate s): from sending the
//    Completed set_state to the receiver reading the notification that names the run; runs whose
//    notification has not come 30 s after the last are counted missing;
// 4. throughput again with the automations: on runs none of them is about (each event matched against
//    all of them, none firing), then on `bench` runs (each Completed run also a delivery).
//
// Writes test-output/bench/automations-latest.{md,json}. 127.0.0.1 only; every server, the PostgreSQL
// cluster and the temp directories go at the end (or on SIGINT).
import {
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
import { sideBySide } from "./table.ts";
import { loadAvg, log, type machine, percentile, sleep } from "./util.ts";

const args = await benchArgs(
  "automations.ts",
  {
    automations: { type: "string" },
    rate: { type: "string" },
    seconds: { type: "string" },
    clients: { type: "string" },
  },
  "[--automations N] [--rate N] [--seconds S] [--clients N]",
);
const { quick, num, dialects, notes, withLite, withPrefect } = args;
const cfg = {
  automations: num("automations", quick ? 100 : 1000),
  rate: num("rate", 50),
  seconds: num("seconds", quick ? 8 : 30),
  clients: num("clients", 8),
  drainSeconds: 30,
  requestTimeoutMs: 60_000,
};

interface SideResult {
  server: ServerName;
  throughputBefore: number;
  /** With the automations, on runs none of them is about (each event evaluated, none firing). */
  throughputQuiet: number;
  throughputAfter: number;
  expected: number;
  delivered: number;
  duplicates: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: number;
  errorSample: string | null;
  setupSeconds: number;
  logProblems: ReturnType<typeof serverLogProblems>;
  load: { before: number[]; after: number[] };
}

async function call(s: RunningServer, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.api}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(cfg.requestTimeoutMs),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** The receiver: the time each run's notification arrived (a second one for a run is a duplicate). */
function receiver() {
  const arrived = new Map<string, number>();
  let duplicates = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const at = performance.now();
      const body = (await req.json().catch(() => ({}))) as { text?: string };
      const id = String(body.text ?? "").trim();
      if (arrived.has(id)) duplicates++;
      else arrived.set(id, at);
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    arrived,
    duplicates: () => duplicates,
    stop: () => server.stop(true),
  };
}

/** One run through Pending → Running → Completed; `completing` is called just before the last. */
async function oneRun(s: RunningServer, flowId: string, completing: (id: string) => void, tag = "bench") {
  const run = await call(s, "POST", "/flow_runs/", { flow_id: flowId, tags: [tag], state: { type: "PENDING" } });
  await call(s, "POST", `/flow_runs/${run.id}/set_state`, { state: { type: "RUNNING" } });
  completing(run.id);
  const done = await call(s, "POST", `/flow_runs/${run.id}/set_state`, { state: { type: "COMPLETED" } });
  if (done.status !== "ACCEPT") throw new Error(`Completed not accepted: ${JSON.stringify(done).slice(0, 300)}`);
}

async function throughput(s: RunningServer, flowId: string, errors: { n: number; sample: string | null }, tag: string) {
  let transitions = 0;
  const t0 = performance.now();
  const deadline = t0 + cfg.seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      try {
        await oneRun(s, flowId, () => {}, tag);
        transitions += 3;
      } catch (e) {
        errors.n++;
        errors.sample ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: cfg.clients }, client));
  return transitions / ((performance.now() - t0) / 1000);
}

async function setUp(s: RunningServer, hookUrl: string) {
  const type = await call(s, "GET", "/block_types/slug/custom-webhook");
  const [schema] = await call(s, "POST", "/block_schemas/filter", {
    block_schemas: { block_type_id: { any_: [type.id] } },
  });
  const block = await call(s, "POST", "/block_documents/", {
    name: "bench-hook",
    block_type_id: type.id,
    block_schema_id: schema.id,
    data: { name: "bench", url: hookUrl, method: "POST", json_data: { text: "{{body}}" }, timeout: 10 },
  });
  const flow = await call(s, "POST", "/flows/", { name: "bench-notified" });
  return { blockId: block.id as string, flowId: flow.id as string };
}

async function createAutomations(s: RunningServer, blockId: string) {
  const one = (i: number) =>
    call(s, "POST", "/automations/", {
      name: `notify-${i}`,
      trigger: {
        type: "event",
        posture: "Reactive",
        expect: ["prefect.flow-run.Completed"],
        match: { "prefect.resource.id": "prefect.flow-run.*" },
        match_related: {
          "prefect.resource.id": i === 0 ? "prefect.tag.bench" : `prefect.tag.other-${i}`,
          "prefect.resource.role": "tag",
        },
        threshold: 1,
        within: 0,
      },
      actions: [{ type: "send-notification", block_document_id: blockId, subject: "done", body: "{{ flow_run.id }}" }],
    });
  for (let i = 0; i < cfg.automations; i += 20)
    await Promise.all(Array.from({ length: Math.min(20, cfg.automations - i) }, (_, k) => one(i + k)));
}

async function latency(
  s: RunningServer,
  flowId: string,
  hook: ReturnType<typeof receiver>,
  errors: { n: number; sample: string | null },
) {
  const sent = new Map<string, number>();
  const runs: Promise<void>[] = [];
  const everyMs = 3000 / cfg.rate;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < cfg.seconds * 1000; i++) {
    const due = t0 + i * everyMs;
    if (due > performance.now()) await sleep(due - performance.now());
    runs.push(
      oneRun(s, flowId, (id) => sent.set(id, performance.now())).catch((e) => {
        errors.n++;
        errors.sample ??= (e as Error).message;
      }),
    );
  }
  await Promise.all(runs);
  const until = performance.now() + cfg.drainSeconds * 1000;
  while (performance.now() < until && [...sent.keys()].some((id) => !hook.arrived.has(id))) await sleep(50);
  const lat = [...sent].flatMap(([id, t]) => (hook.arrived.has(id) ? [hook.arrived.get(id)! - t] : []));
  return { expected: sent.size, delivered: lat.length, lat };
}

async function side(server: ServerName, work: string, pg: PgCluster | null): Promise<SideResult> {
  const db = freshDb(server, work, "automations", pg);
  const hook = receiver();
  let s: RunningServer | null = null;
  try {
    migrate(server, db, `${work}/${server}-home`);
    s = await startServer(server, { db, home: `${work}/${server}-home`, pollMs: 20 });
    logServerStart(s);
    const errors = { n: 0, sample: null as string | null };
    const setup0 = performance.now();
    const { blockId, flowId } = await setUp(s, hook.url);
    const loadBefore = loadAvg();
    const before = await throughput(s, flowId, errors, "bench");
    log(`${server}: ${before.toFixed(0)} transitions/s without automations`);
    await createAutomations(s, blockId);
    const setupSeconds = (performance.now() - setup0) / 1000;
    await sleep(2000); // the servers load automations when told of a change: let that settle
    const l = await latency(s, flowId, hook, errors);
    log(
      `${server}: ${l.delivered} of ${l.expected} notified, p50 ${percentile(l.lat, 0.5).toFixed(0)} ms, p95 ${percentile(l.lat, 0.95).toFixed(0)} ms`,
    );
    const quiet = await throughput(s, flowId, errors, "quiet");
    log(`${server}: ${quiet.toFixed(0)} transitions/s with ${cfg.automations} automations, none firing`);
    const after = await throughput(s, flowId, errors, "bench");
    log(`${server}: ${after.toFixed(0)} transitions/s with ${cfg.automations} automations, one notification a run`);
    return {
      server,
      throughputBefore: before,
      throughputQuiet: quiet,
      throughputAfter: after,
      expected: l.expected,
      delivered: l.delivered,
      duplicates: hook.duplicates(),
      latencyMs: {
        p50: percentile(l.lat, 0.5),
        p95: percentile(l.lat, 0.95),
        p99: percentile(l.lat, 0.99),
        max: l.lat.length ? Math.max(...l.lat) : Number.NaN,
      },
      errors: errors.n,
      errorSample: errors.sample,
      setupSeconds,
      logProblems: serverLogProblems(s),
      load: { before: loadBefore, after: loadAvg() },
    };
  } finally {
    await s?.stop();
    hook.stop();
    dropDb(db);
  }
}

function report(results: SideResult[], meta: Record<string, unknown>) {
  const table = sideBySide(dialects, results);
  const { get, row } = table;
  const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
  const perS = (x: number) => `${x.toFixed(0)}/s`;
  const n0 = (x: number) => x.toFixed(0);
  row("state change → notification p50", (r) => r.latencyMs.p50, ms);
  row("state change → notification p95", (r) => r.latencyMs.p95, ms);
  row("state change → notification p99", (r) => r.latencyMs.p99, ms);
  row("state change → notification max", (r) => r.latencyMs.max, ms);
  row(
    "notifications received / expected",
    (r) => r.delivered / r.expected,
    (x) => `${(x * 100).toFixed(1)}%`,
    false,
  );
  row("duplicate notifications", (r) => r.duplicates, n0, false);
  row("transitions/s without automations", (r) => r.throughputBefore, perS);
  const share = (x: number) => `${(x * 100).toFixed(0)}%`;
  row(`transitions/s with ${cfg.automations} automations, none firing`, (r) => r.throughputQuiet, perS);
  row("… ÷ without", (r) => r.throughputQuiet / r.throughputBefore, share, false);
  row(`transitions/s with ${cfg.automations} automations, a notification a run`, (r) => r.throughputAfter, perS);
  row("… ÷ without", (r) => r.throughputAfter / r.throughputBefore, share, false);
  row("request errors", (r) => r.errors, n0, false);
  const goals: string[] = [];
  for (const d of dialects) {
    const l = get(d, "lite");
    const p = get(d, "prefect");
    if (!l) continue;
    // The goal is the cost of having the automations: every event matched against all of them. A run
    // that also sends a notification does more work of its own (a delivery, its attempt, three
    // automation events), so that ratio is reported beside it, not judged.
    const kept = l.throughputQuiet / l.throughputBefore;
    const notified = l.throughputAfter / l.throughputBefore;
    const ahead = p
      ? `${l.latencyMs.p95 < p.latencyMs.p95 && l.throughputAfter > p.throughputAfter ? "met" : "NOT met"} (p95 ${ms(l.latencyMs.p95)} vs ${ms(p.latencyMs.p95)}, ${perS(l.throughputAfter)} vs ${perS(p.throughputAfter)})`
      : "no Prefect figure";
    goals.push(
      `- ${d === "sqlite" ? "SQLite" : "PostgreSQL"}: p95 ≤ 1 s: ${ms(l.latencyMs.p95)} — ${l.latencyMs.p95 <= 1000 ? "met" : "NOT met"}; ` +
        `throughput with ${cfg.automations} automations within 10% of without: ${(kept * 100).toFixed(0)}% — ${kept >= 0.9 ? "met" : "NOT met"} ` +
        `(${(notified * 100).toFixed(0)}% when every run also sends a notification); ` +
        `ahead of Prefect on both: ${ahead}; every notification received: ${l.delivered === l.expected ? "yes" : `NO (${l.expected - l.delivered} missing)`}` +
        `${[l, p].some((r) => r?.errorSample) ? `; first error: ${[l, p].find((r) => r?.errorSample)!.errorSample}` : ""}.`,
    );
  }
  const m = meta.machine as ReturnType<typeof machine>;
  return [
    "# Notifications under load",
    "",
    `${String(meta.date).slice(0, 16).replace("T", " ")} UTC · prefect-lite ${meta.liteCommit} · ${m.cpu}, ${m.cores} cores (servers, ` +
      `PostgreSQL, the receiver and the clients share them), ${m.memGiB} GiB · Bun ${m.bun} · Prefect ${m.prefect} · ` +
      `${m.postgres} · ${Math.round(Number(meta.elapsedS))} s · load average ${(meta.loadAvgStart as number[]).join(" ")} at the start, ` +
      `${(meta.loadAvgEnd as number[]).join(" ")} at the end`,
    "",
    ...table.header(),
    ...table.rows,
    "",
    `Ratios are prefect-lite ÷ Prefect. ${cfg.automations} automations (one per tag, "a run with this tag enters Completed → ` +
      `send-notification" to a custom-webhook block; one on the runs' tag), latency at ${cfg.rate} transitions/s for ${cfg.seconds} s ` +
      `(Pending → Running → Completed runs), from sending Completed to the receiver reading the run's id; throughput: ${cfg.clients} ` +
      `clients in a closed loop for ${cfg.seconds} s, before the automations and after.`,
    "",
    "Goals (issue 16):",
    ...goals,
    ...(notes.length ? ["", ...notes.map((x) => `Note: ${x}`)] : []),
  ].join("\n");
}

await runSides({
  name: "automations",
  out: args.str("out"),
  bin: args.str("bin"),
  keep: args.keep,
  dialects,
  lite: withLite,
  prefect: withPrefect,
  config: { ...cfg, dialects, withPrefect, withLite },
  notes,
  side,
  report,
});
