// Closed-loop HTTP load generator: N concurrent clients, each sending its next request as soon as the
// previous response body has been read, over keep-alive connections (Bun's fetch pools them). It runs in a
// separate `bun` process (spawned by runLoad), so its event loop and GC are not the harness's; on a
// 2-core machine it still shares the CPUs with the server under test (and PostgreSQL) — the report says so.
//
// Timeline: warm-up (responses discarded) → a fixed window; a request counts if it completes inside the
// window. At the end of the window clients stop; requests still in flight get a grace period, then abort.
// A slow server gets a fair measurement even in short (--quick) runs: the warm-up lasts until every
// client has had at least one response (at most WARMUP_MAX_MS), and a window with fewer than
// MIN_IN_WINDOW responses is extended (to at most WINDOW_MAX_MS). The actual window is reported.
//
//   worker mode (internal): bun test/bench/load.ts --worker  < spec.json  > result.json
import { ENDPOINTS, type EndpointCtx } from "./endpoints.ts";
import { percentile } from "./util.ts";

export interface LoadSpec {
  api: string; // http://127.0.0.1:PORT/api
  endpoint: string; // key of ENDPOINTS
  ctx: EndpointCtx;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
}

export interface LoadResult {
  endpoint: string;
  concurrency: number;
  durationS: number;
  warmupS: number;
  ok: number;
  errors: number;
  errorClasses: Record<string, number>;
  errorSamples: Record<string, string>;
  lockErrors: number;
  serverErrors: number; // 5xx
  rps: number; // successful requests / s in the window
  itemsPerS: number | null;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** CPU seconds the load generator itself used during the whole run (warm-up included). */
  loadgenCpuS: number;
  warmupRequests: number;
}

const WORKER_GRACE_MS = 5_000;
const WARMUP_MAX_MS = 15_000;
const WINDOW_MAX_MS = 15_000;
const MIN_IN_WINDOW = 30;

/** Runs one load phase in a fresh bun process and returns its result. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--worker"], {
    stdin: new Blob([JSON.stringify(spec)]),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "512" },
  });
  const hardLimit = setTimeout(
    () => proc.kill("SIGKILL"),
    WARMUP_MAX_MS + WINDOW_MAX_MS + spec.warmupMs + spec.durationMs + spec.timeoutMs + 30_000,
  );
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(hardLimit);
  try {
    // NaN travels as null in JSON (no successful request → no percentiles).
    return JSON.parse(out, (_k, v) => (v === null ? NaN : v)) as LoadResult;
  } catch {
    throw new Error(`load worker failed (exit ${proc.exitCode}): ${err.slice(-1500)} ${out.slice(-500)}`);
  }
}

async function worker(spec: LoadSpec): Promise<LoadResult> {
  const ep = ENDPOINTS[spec.endpoint];
  if (!ep) throw new Error(`unknown endpoint ${spec.endpoint}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let winStart = Infinity;
  let winEnd = Infinity;
  let responses = 0; // all responses, warm-up included
  let inWindowCount = 0;
  /** Advances the timeline at `now`; false once the (possibly extended) window is over. */
  const running = (now: number): boolean => {
    if (
      winStart === Infinity &&
      now >= t0 + spec.warmupMs &&
      (responses >= spec.concurrency || now >= t0 + WARMUP_MAX_MS)
    ) {
      winStart = now;
      winEnd = now + spec.durationMs;
    }
    if (now >= winEnd && inWindowCount < MIN_IN_WINDOW && winEnd - winStart < WINDOW_MAX_MS)
      winEnd = Math.min(winStart + WINDOW_MAX_MS, winEnd + spec.durationMs);
    return now < winEnd;
  };
  const lat: number[] = [];
  const errorClasses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let ok = 0;
  let errors = 0;
  let lockErrors = 0;
  let serverErrors = 0;
  let warm = 0;
  const abort = new AbortController();
  const headers = { "content-type": "application/json", connection: "keep-alive" };

  const fail = (cls: string, sample: string, inWindow: boolean) => {
    if (!inWindow) return;
    errors++;
    errorClasses[cls] = (errorClasses[cls] ?? 0) + 1;
    if (!(cls in errorSamples)) errorSamples[cls] = sample.slice(0, 300);
  };

  async function client(i: number) {
    let seq = 0;
    while (running(performance.now())) {
      const req = ep.make(spec.ctx, i, seq++);
      const start = performance.now();
      let status = 0;
      let text = "";
      let thrown: string | null = null;
      try {
        const r = await fetch(spec.api + req.path, {
          method: req.method,
          headers,
          body: req.body,
          signal: AbortSignal.any([abort.signal, AbortSignal.timeout(spec.timeoutMs)]),
        });
        status = r.status;
        text = await r.text();
      } catch (e) {
        const msg = (e as Error).message;
        thrown =
          (e as Error).name === "TimeoutError"
            ? "timeout"
            : /ECONNRESET|closed unexpectedly/i.test(msg)
              ? `connection reset: ${msg}`
              : `connection: ${msg}`;
      }
      const end = performance.now();
      responses++;
      running(end);
      const inWindow = end >= winStart && end <= winEnd;
      if (inWindow) inWindowCount++;
      if (end < winStart) warm++;
      if (thrown) {
        fail(
          thrown.startsWith("timeout")
            ? "timeout"
            : thrown.startsWith("connection reset")
              ? "connection reset by server"
              : "connection error",
          thrown,
          inWindow,
        );
        if (thrown.startsWith("connection:")) await Bun.sleep(5); // do not spin on a dead server
        continue;
      }
      const locked = /database is locked/i.test(text);
      if (status < 200 || status >= 300) {
        if (inWindow) {
          if (locked) lockErrors++;
          if (status >= 500) serverErrors++;
        }
        // Both servers answer 503 for a busy/locked database (Prefect hides SQLite's "database is locked"
        // behind a bare 503 so its client retries).
        fail(
          `HTTP ${status}${locked ? " database is locked" : status === 503 ? " (busy/locked)" : ""}`,
          text,
          inWindow,
        );
        continue;
      }
      const bad = ep.check?.(text) ?? null;
      if (bad) {
        fail(bad, text, inWindow);
        continue;
      }
      if (inWindow) {
        ok++;
        lat.push(end - start);
      }
    }
  }

  const clients = Array.from({ length: spec.concurrency }, (_, i) => client(i));
  const watchdog = setInterval(() => {
    const now = performance.now();
    running(now);
    if (now > winEnd + WORKER_GRACE_MS) abort.abort();
  }, 50);
  await Promise.allSettled(clients);
  clearInterval(watchdog);
  const durationS = Number.isFinite(winEnd - winStart) ? (winEnd - winStart) / 1000 : spec.durationMs / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    endpoint: spec.endpoint,
    concurrency: spec.concurrency,
    durationS,
    warmupS: Number.isFinite(winStart) ? (winStart - t0) / 1000 : spec.warmupMs / 1000,
    ok,
    errors,
    errorClasses,
    errorSamples,
    lockErrors,
    serverErrors,
    rps: ok / durationS,
    itemsPerS: ep.items ? (ok * ep.items) / durationS : null,
    p50: percentile(lat, 0.5),
    p95: percentile(lat, 0.95),
    p99: percentile(lat, 0.99),
    max: lat.length ? lat.reduce((a, b) => Math.max(a, b), 0) : NaN,
    mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
    loadgenCpuS: (cpu.user + cpu.system) / 1e6,
    warmupRequests: warm,
  };
}

if (import.meta.main && process.argv.includes("--worker")) {
  const spec = JSON.parse(await Bun.stdin.text()) as LoadSpec;
  const result = await worker(spec);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
