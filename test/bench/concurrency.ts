// Global concurrency limit slots (issue 14): prefect-lite beside Prefect 3's own server, on SQLite and on
// PostgreSQL, the same limit and the same clients for both, in one run on one machine.
//
//   bun test/bench/concurrency.ts [--only sqlite|pg] [--clients 64] [--limit 5] [--seconds 30] [--quick]
//       [--backoff-ms 5] [--hold-ms 0] [--no-prefect] [--no-lite] [--bin PATH] [--out DIR] [--keep]
//
// For each dialect, prefect-lite first, then Prefect (`prefect server start` from the venv), each on a fresh
// database: one global limit `bench` of `--limit` slots, then `--clients` async clients in this process, each
// in a closed loop for `--seconds`: POST /v2/concurrency_limits/increment-with-lease (slots 1, lease 60 s,
// holder a task run), and when granted POST /v2/concurrency_limits/decrement-with-lease after --hold-ms
// (default at once: the throughput of the slot bookkeeping itself; a hold makes slots overlap); a 423 is
// retried after min(Retry-After, --backoff-ms) (the SDK sleeps the whole Retry-After, which would measure
// the server's advice instead of its speed). Throughput is acquire + release cycles a second. The clients
// count the slots they hold (granted, release not yet sent): more than the limit at any moment is an
// over-grant, the failure. At the end the limit's active_slots must be 0.
//
// Writes test-output/bench/concurrency-latest.{md,json}. 127.0.0.1 only; every server, the PostgreSQL
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
import { fmt, loadAvg, log, type machine, percentile, sleep } from "./util.ts";

const args = await benchArgs(
  "concurrency.ts",
  {
    clients: { type: "string" },
    limit: { type: "string" },
    seconds: { type: "string" },
    "backoff-ms": { type: "string" },
    "hold-ms": { type: "string" },
  },
  "[--clients N] [--limit N] [--seconds S] [--backoff-ms MS] [--hold-ms MS]",
);
const { quick, num, dialects, notes, withLite } = args;
const withPrefect = args.withPrefect;
const cfg = {
  clients: num("clients", 64),
  limit: num("limit", 5),
  seconds: num("seconds", quick ? 5 : 30),
  backoffMs: num("backoff-ms", 5),
  holdMs: num("hold-ms", 0),
  leaseSeconds: 60,
  requestTimeoutMs: 60_000,
};

interface SideResult {
  server: ServerName;
  cycles: number;
  denials: number;
  errors: number;
  errorSample: string | null;
  seconds: number;
  maxHeld: number;
  finalActiveSlots: number | null;
  acquireMs: { p50: number; p95: number; p99: number };
  releaseMs: { p50: number; p95: number };
  logProblems: ReturnType<typeof serverLogProblems>;
  load: { before: number[]; after: number[] };
}

async function call(s: RunningServer, path: string, body: unknown) {
  const r = await fetch(`${s.api}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(cfg.requestTimeoutMs),
  });
  const text = await r.text();
  return { status: r.status, text, retryAfter: r.headers.get("retry-after") };
}

async function contend(s: RunningServer) {
  let held = 0;
  let maxHeld = 0;
  let cycles = 0;
  let denials = 0;
  let errors = 0;
  let errorSample: string | null = null;
  const acquire: number[] = [];
  const release: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + cfg.seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const a0 = performance.now();
      const r = await call(s, "/v2/concurrency_limits/increment-with-lease", {
        names: ["bench"],
        slots: 1,
        mode: "concurrency",
        lease_duration: cfg.leaseSeconds,
        holder: { type: "task_run", id: crypto.randomUUID() },
      }).catch((e: Error) => ({ status: 0, text: e.message, retryAfter: null }));
      acquire.push(performance.now() - a0);
      if (r.status === 423) {
        denials++;
        await sleep(Math.min(Number.parseFloat(r.retryAfter ?? "0") * 1000, cfg.backoffMs));
        continue;
      }
      if (r.status !== 200) {
        errors++;
        errorSample ??= `HTTP ${r.status} ${r.text.slice(0, 200)}`;
        await sleep(cfg.backoffMs);
        continue;
      }
      maxHeld = Math.max(maxHeld, ++held);
      const leaseId = (JSON.parse(r.text) as { lease_id: string }).lease_id;
      if (cfg.holdMs > 0) await sleep(cfg.holdMs);
      held--;
      const r0 = performance.now();
      const done = await call(s, "/v2/concurrency_limits/decrement-with-lease", { lease_id: leaseId }).catch(
        (e: Error) => ({ status: 0, text: e.message, retryAfter: null }),
      );
      release.push(performance.now() - r0);
      if (done.status !== 204) {
        errors++;
        errorSample ??= `release: HTTP ${done.status} ${done.text.slice(0, 200)}`;
      } else cycles++;
    }
  };
  await Promise.all(Array.from({ length: cfg.clients }, client));
  return { cycles, denials, errors, errorSample, maxHeld, seconds: (performance.now() - t0) / 1000, acquire, release };
}

async function side(server: ServerName, work: string, pg: PgCluster | null): Promise<SideResult> {
  const db = freshDb(server, work, "concurrency", pg);
  let s: RunningServer | null = null;
  try {
    migrate(server, db, `${work}/${server}-home`);
    s = await startServer(server, { db, home: `${work}/${server}-home`, pollMs: 20 });
    logServerStart(s);
    const made = await call(s, "/v2/concurrency_limits/", { name: "bench", limit: cfg.limit });
    if (made.status !== 201) throw new Error(`create limit: HTTP ${made.status} ${made.text}`);
    const loadBefore = loadAvg();
    const r = await contend(s);
    const limit = await fetch(`${s.api}/v2/concurrency_limits/bench`).then(
      (x) => x.json() as Promise<{ active_slots: number }>,
    );
    log(
      `${server}: ${r.cycles} cycles in ${r.seconds.toFixed(1)} s (${(r.cycles / r.seconds).toFixed(0)}/s), ${r.denials} denials, ` +
        `${r.errors} errors, max held ${r.maxHeld}, active_slots after ${limit.active_slots}`,
    );
    return {
      server,
      cycles: r.cycles,
      denials: r.denials,
      errors: r.errors,
      errorSample: r.errorSample,
      seconds: r.seconds,
      maxHeld: r.maxHeld,
      finalActiveSlots: limit.active_slots,
      acquireMs: {
        p50: percentile(r.acquire, 0.5),
        p95: percentile(r.acquire, 0.95),
        p99: percentile(r.acquire, 0.99),
      },
      releaseMs: { p50: percentile(r.release, 0.5), p95: percentile(r.release, 0.95) },
      logProblems: serverLogProblems(s),
      load: { before: loadBefore, after: loadAvg() },
    };
  } finally {
    await s?.stop();
    dropDb(db);
  }
}

function report(results: SideResult[], meta: Record<string, unknown>) {
  const table = sideBySide(dialects, results);
  const { get, row } = table;
  const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
  const perS = (x: number) => (x >= 100 ? `${x.toFixed(0)}/s` : `${x.toFixed(1)}/s`);
  const n0 = (x: number) => x.toFixed(0);
  row("acquire + release cycles per second", (r) => r.cycles / r.seconds, perS);
  row("denials (423) per second", (r) => r.denials / r.seconds, perS);
  row("increment-with-lease p50", (r) => r.acquireMs.p50, ms);
  row("increment-with-lease p95", (r) => r.acquireMs.p95, ms);
  row("increment-with-lease p99", (r) => r.acquireMs.p99, ms);
  row("decrement-with-lease p50", (r) => r.releaseMs.p50, ms);
  row("decrement-with-lease p95", (r) => r.releaseMs.p95, ms);
  row(`most slots held at once (limit ${cfg.limit})`, (r) => r.maxHeld, n0, false);
  row("errors (not 200, 204 or 423)", (r) => r.errors, n0, false);
  const goals: string[] = [];
  for (const d of dialects) {
    const l = get(d, "lite");
    const p = get(d, "prefect");
    if (!l) continue;
    const thr = p ? l.cycles / l.seconds / (p.cycles / p.seconds) : NaN;
    const over = results.filter((r) => r.server.endsWith(d) && r.maxHeld > cfg.limit).map((r) => r.server);
    goals.push(
      `- ${d === "sqlite" ? "SQLite" : "PostgreSQL"}: throughput ≥ 20× Prefect's: ${Number.isFinite(thr) ? `${thr.toFixed(1)}× — ${thr >= 20 ? "met" : "NOT met"}` : "no Prefect figure"}; ` +
        `zero over-grants: ${over.length ? `NOT met (${over.join(", ")})` : "met"}; active_slots after the run: ` +
        `${[l, p]
          .filter(Boolean)
          .map((r) => `${r!.server} ${r!.finalActiveSlots}`)
          .join(", ")}` +
        `${[l, p].some((r) => r?.errorSample) ? `; first error: ${[l, p].find((r) => r?.errorSample)!.errorSample}` : ""}.`,
    );
  }
  const m = meta.machine as ReturnType<typeof machine>;
  return [
    "# Global concurrency limit slots",
    "",
    `${String(meta.date).slice(0, 16).replace("T", " ")} UTC · prefect-lite ${meta.liteCommit} · ${m.cpu}, ${m.cores} cores (servers, ` +
      `PostgreSQL and the ${cfg.clients} clients share them), ${m.memGiB} GiB · Bun ${m.bun} · Prefect ${m.prefect} · ` +
      `${m.postgres} · ${Math.round(Number(meta.elapsedS))} s · load average ${(meta.loadAvgStart as number[]).join(" ")} at the start, ` +
      `${(meta.loadAvgEnd as number[]).join(" ")} at the end`,
    "",
    ...table.header(),
    ...table.rows,
    "",
    `Ratios are prefect-lite ÷ Prefect. One limit of ${cfg.limit} slots; ${cfg.clients} clients in a closed loop for ` +
      `${fmt(cfg.seconds, 0)} s: increment-with-lease (lease ${cfg.leaseSeconds} s), then decrement-with-lease ` +
      `${cfg.holdMs > 0 ? `${cfg.holdMs} ms after the grant` : "at once"}; a 423 retried after min(Retry-After, ${cfg.backoffMs} ms). Latencies are the clients' (send to body read).`,
    "",
    "Goals (issue 14):",
    ...goals,
    ...(notes.length ? ["", ...notes.map((x) => `Note: ${x}`)] : []),
  ].join("\n");
}

await runSides({
  name: "concurrency",
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
