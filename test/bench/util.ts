// Small helpers shared by the benchmark modules: ports, statistics, /proc readings, logging.
import { readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "..", "..");

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

export const sleep = (ms: number) => Bun.sleep(ms);

/** Nearest-rank percentile of an unsorted sample (q in 0..1). NaN for an empty sample. */
export function percentile(xs: ArrayLike<number>, q: number): number {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (xs: ArrayLike<number>) => percentile(xs, 0.5);
export const mean = (xs: ArrayLike<number>) =>
  xs.length ? Array.from(xs).reduce((a, b) => a + b, 0) / xs.length : NaN;

export function log(...parts: unknown[]) {
  const t = new Date().toISOString().slice(11, 19);
  console.error(`[bench ${t}]`, ...parts);
}

/** Every descendant of pid (children, grandchildren, …), from /proc/<pid>/stat parent links. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = parent.get(ppid) ?? [];
      list.push(Number(name));
      parent.set(ppid, list);
    } catch {}
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of parent.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS in MB of a process and all its descendants (Prefect may fork; prefect-lite does not). */
export function rssTreeMb(pid: number): number {
  return [pid, ...descendants(pid)].reduce((a, p) => a + rssKb(p), 0) / 1024;
}

const TICK = 100; // USER_HZ on Linux
/** CPU seconds (user+system) used so far by a process and its live descendants. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks / TICK;
}
export const cpuTreeSeconds = (pid: number) => cpuSeconds([pid, ...descendants(pid)]);

export function loadAvg(): number[] {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

export function machine() {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  let disk = "";
  try {
    disk = Bun.spawnSync(["df", "-hT", "/tmp"])
      .stdout.toString()
      .trim()
      .split("\n")
      .pop()!
      .split(/\s+/)
      .slice(0, 2)
      .join(" ");
  } catch {}
  const pyPrefect = Bun.spawnSync([
    `${ROOT}/.venv/bin/python`,
    "-c",
    "import prefect,sys;print(prefect.__version__, sys.version.split()[0])",
  ])
    .stdout.toString()
    .trim();
  const pg = Bun.spawnSync(["/usr/lib/postgresql/15/bin/postgres", "--version"]).stdout.toString().trim();
  return {
    cpu,
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    tmpfs: disk,
    bun: Bun.version,
    prefect: pyPrefect,
    postgres: pg,
  };
}

export const fmt = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);

/**
 * Builds the binary into `outDir`/bin (not dist/, so a concurrent build of dist/ by someone else cannot
 * interfere) and returns its path.
 */
export function buildBinaryInto(outDir: string): string {
  const binDir = join(outDir, "bin");
  const r = Bun.spawnSync([process.execPath, "build/build.ts", "--outdir", binDir], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (r.exitCode !== 0) throw new Error("build failed");
  return join(binDir, "prefect-lite");
}
