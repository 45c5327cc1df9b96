// End-to-end with the real Prefect SDK (the venv's python, e2e_flows.py): a flow with 250 tasks, a flow
// with 20 concurrent subflows, and 50 small flows run by 8 processes at once. Each process imports
// prefect first and waits; all start on one signal; wall time is signal → last flow returned. Servers
// alternate per repetition and scenario; the idle ones are SIGSTOPped.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  freshDb,
  logServerStart,
  PYTHON_BIN,
  serverLogProblems,
  startServer,
  type PgCluster,
  type RunningServer,
  type ServerName,
} from "./servers.ts";
import { log, median } from "./util.ts";

const SCRIPT = join(import.meta.dir, "e2e_flows.py");

export interface E2EOptions {
  servers: ServerName[];
  reps: number;
  work: string;
  pg: PgCluster | null;
  quick: boolean;
}

interface Scenario {
  key: string;
  label: string;
  /** argv for each process */
  procs: string[][];
}

export interface E2EResult {
  server: ServerName;
  scenario: string;
  wallMs: number[];
  exitMs: number[];
  medianMs: number;
  medianExitMs: number;
  failures: string[];
}

export interface E2EPart {
  sdkVersion: string;
  reps: number;
  scenarios: { key: string; label: string }[];
  results: E2EResult[];
  serverLogs: Record<string, ReturnType<typeof serverLogProblems>>;
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

const SCENARIOS: Scenario[] = [
  { key: "tasks250", label: "flow with 250 tasks", procs: [["tasks250"]] },
  { key: "subflows20", label: "flow with 20 concurrent subflows", procs: [["subflows20"]] },
  {
    key: "flows50x8",
    label: "50 flows (3 tasks each) by 8 processes",
    procs: split(50, 8).map((n) => ["flows", String(n)]),
  },
];

async function lines(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) {
  const dec = new TextDecoder();
  let buf = "";
  const reader = stream.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  }
  if (buf) onLine(buf);
}

/** Runs one scenario against one server; returns wall ms (signal → last RESULT) and exit ms, or throws. */
async function runScenario(
  s: RunningServer,
  sc: Scenario,
  home: string,
  timeoutMs: number,
): Promise<{ wallMs: number; exitMs: number; failures: string[] }> {
  mkdirSync(home, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    PREFECT_HOME: home,
    PREFECT_API_URL: s.api,
    PREFECT_SERVER_ANALYTICS_ENABLED: "false",
    PREFECT_CLIENT_ENABLE_METRICS: "false",
    PYTHONUNBUFFERED: "1",
    LANG: "C.UTF-8",
  };
  const procs = sc.procs.map((args) =>
    Bun.spawn([PYTHON_BIN, SCRIPT, ...args], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe", cwd: home }),
  );
  const ready: Promise<void>[] = [];
  const results: Promise<{ ok: boolean; error: string | null; at: number }>[] = [];
  const stderrTail: string[] = procs.map(() => "");
  procs.forEach((p, k) => {
    let onReady!: () => void;
    let onResult!: (r: { ok: boolean; error: string | null; at: number }) => void;
    ready.push(new Promise((r) => (onReady = r)));
    results.push(new Promise((r) => (onResult = r)));
    lines(p.stdout, (l) => {
      if (l.startsWith("READY")) onReady();
      else if (l.startsWith("RESULT ")) {
        const j = JSON.parse(l.slice(7));
        onResult({ ok: j.ok, error: j.error, at: performance.now() });
      }
    }).then(() => {
      onReady();
      onResult({
        ok: false,
        error: `process ended without a result: ${stderrTail[k].slice(-400)}`,
        at: performance.now(),
      });
    });
    lines(p.stderr, (l) => {
      stderrTail[k] = `${stderrTail[k]}\n${l}`.slice(-4000);
    });
  });
  const killAll = () => {
    for (const p of procs) p.kill("SIGKILL");
  };
  const timer = setTimeout(killAll, timeoutMs);
  try {
    await Promise.all(ready);
    const go = performance.now();
    for (const p of procs) {
      p.stdin.write("go\n");
      p.stdin.flush();
    }
    const rs = await Promise.all(results);
    const wallMs = Math.max(...rs.map((r) => r.at)) - go;
    await Promise.all(procs.map((p) => p.exited));
    const exitMs = performance.now() - go;
    const failures = rs.filter((r) => !r.ok).map((r) => r.error ?? "failed");
    return { wallMs, exitMs, failures };
  } finally {
    clearTimeout(timer);
    killAll();
  }
}

export async function runE2E(o: E2EOptions): Promise<E2EPart> {
  const sdkVersion = Bun.spawnSync([PYTHON_BIN, "-c", "import prefect;print(prefect.__version__)"])
    .stdout.toString()
    .trim();
  const started: RunningServer[] = [];
  const results: E2EResult[] = [];
  const serverLogs: E2EPart["serverLogs"] = {};
  const timeoutMs = o.quick ? 180_000 : 300_000;
  try {
    for (const name of o.servers) {
      for (const s of started) s.pause();
      const s = await startServer(name, {
        db: freshDb(name, o.work, "e2e", o.pg),
        home: join(o.work, `${name}-e2e-home`),
      });
      logServerStart(s);
      started.push(s);
    }
    for (const s of started) s.pause();
    let k = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      for (const sc of SCENARIOS) {
        const order = k++ % 2 ? [...started].reverse() : started;
        for (const s of order) {
          let r = results.find((x) => x.server === s.name && x.scenario === sc.key);
          if (!r)
            results.push(
              (r = {
                server: s.name,
                scenario: sc.key,
                wallMs: [],
                exitMs: [],
                medianMs: NaN,
                medianExitMs: NaN,
                failures: [],
              }),
            );
          s.resume();
          try {
            const out = await runScenario(s, sc, join(o.work, `py-${s.name}-${sc.key}-${rep}`), timeoutMs);
            if (out.failures.length) r.failures.push(...out.failures);
            else {
              r.wallMs.push(out.wallMs);
              r.exitMs.push(out.exitMs);
            }
            log(
              `e2e ${s.name.padEnd(14)} ${sc.label.padEnd(40)} ${(out.wallMs / 1000).toFixed(2)} s (exit ${(out.exitMs / 1000).toFixed(2)} s)${out.failures.length ? ` FAILED: ${out.failures[0].slice(0, 300)}` : ""}`,
            );
          } catch (e) {
            r.failures.push((e as Error).message);
            log(`e2e ${s.name} ${sc.key} error: ${(e as Error).message}`);
          }
          s.pause();
        }
      }
    }
  } finally {
    for (const s of started) {
      await s.stop();
      serverLogs[s.name] = serverLogProblems(s);
    }
  }
  for (const r of results) {
    r.medianMs = median(r.wallMs);
    r.medianExitMs = median(r.exitMs);
  }
  return {
    sdkVersion,
    reps: o.reps,
    scenarios: SCENARIOS.map(({ key, label }) => ({ key, label })),
    results,
    serverLogs,
  };
}
