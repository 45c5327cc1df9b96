// Cold start to the first 200 on /api/health, and idle RSS, for the compiled binary, side by side with
// Prefect's own server from the test venv when it is there. Not part of the test command:
//   bun test/bench/startup.ts [--runs 15]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dir, "..", "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "15" }, "prefect-runs": { type: "string", default: "3" } } });

async function freePort() {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Sample {
  startMs: number;
  idleRssMb: number;
}

async function measure(cmd: (port: number) => string[], env: Record<string, string>, idleMs: number): Promise<Sample> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), "pl-bench-"));
  const t0 = performance.now();
  const proc = Bun.spawn(cmd(port), { env: { PATH: process.env.PATH!, HOME: home, PREFECT_HOME: home, ...env }, stdout: "ignore", stderr: "ignore" });
  let startMs = NaN;
  while (performance.now() - t0 < 120_000) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) {
      startMs = performance.now() - t0;
      break;
    }
    await Bun.sleep(2);
  }
  await Bun.sleep(idleMs);
  const idleRssMb = rssMb(proc.pid);
  proc.kill("SIGTERM");
  await proc.exited;
  rmSync(home, { recursive: true, force: true });
  return { startMs, idleRssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

const bin = join(ROOT, "dist", "prefect-lite");
if (!existsSync(bin)) Bun.spawnSync([process.execPath, "build/build.ts"], { cwd: ROOT, stdout: "inherit" });

const rows: string[] = [];
const lite: Sample[] = [];
for (let i = 0; i < Number(values.runs); i++) lite.push(await measure((p) => [bin, "server", "start", "--port", String(p)], {}, 2000));
rows.push(row("prefect-lite (binary, SQLite file)", lite));

const memory: Sample[] = [];
for (let i = 0; i < Number(values.runs); i++) memory.push(await measure((p) => [bin, "server", "start", "--port", String(p)], { PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:" }, 2000));
rows.push(row("prefect-lite (binary, in-memory SQLite)", memory));

const prefectBin = join(ROOT, ".venv", "bin", "prefect");
let prefect: Sample[] = [];
if (existsSync(prefectBin)) {
  for (let i = 0; i < Number(values["prefect-runs"]); i++) {
    prefect.push(await measure((p) => [prefectBin, "server", "start", "--port", String(p), "--no-ui", "--analytics-off"], { PREFECT_SERVER_ANALYTICS_ENABLED: "false" }, 5000));
  }
  rows.push(row("Prefect 3.9.1 `prefect server start` (SQLite file)", prefect));
}

function row(name: string, xs: Sample[]) {
  const s = xs.map((x) => x.startMs);
  const r = xs.map((x) => x.idleRssMb);
  return `| ${name} | ${xs.length} | ${(median(s) / 1000).toFixed(3)} s | ${(p90(s) / 1000).toFixed(3)} s | ${median(r).toFixed(1)} MB |`;
}

const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
console.log(`Machine: ${cpu}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}\n`);
console.log("| server | runs | cold start to first 200 /api/health (median) | p90 | idle RSS (median) |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
if (prefect.length) {
  console.log(`\nRatio (Prefect / prefect-lite): start ${(median(prefect.map((x) => x.startMs)) / median(lite.map((x) => x.startMs))).toFixed(1)}×, idle RSS ${(median(prefect.map((x) => x.idleRssMb)) / median(lite.map((x) => x.idleRssMb))).toFixed(1)}×`);
}
