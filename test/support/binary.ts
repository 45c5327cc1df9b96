// The CLI and compat tests drive the compiled binary, as a user would. test/run.ts builds it first and
// passes PREFECT_LITE_BIN; a plain `bun test` builds it here once.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..", "..");

function ensureBinary(): string {
  if (process.env.PREFECT_LITE_BIN) return process.env.PREFECT_LITE_BIN;
  const r = Bun.spawnSync([process.execPath, "build/build.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr}`);
  const bin = join(ROOT, "dist", "prefect-lite");
  if (!existsSync(bin)) throw new Error("build produced no dist/prefect-lite");
  process.env.PREFECT_LITE_BIN = bin;
  return bin;
}

export const BIN = ensureBinary();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  out: string; // both streams, for messages whose stream does not matter
}

/** Runs the binary with a clean environment: only PATH, HOME and what the test passes. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  opts: { cwd?: string; stdin?: string } = {},
): CliResult {
  const r = Bun.spawnSync([BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CI: "1", ...env },
    stdin: opts.stdin !== undefined ? Buffer.from(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString();
  return { code: r.exitCode ?? -1, stdout, stderr, out: stdout + stderr };
}

export const tempHome = () => mkdtempSync(join(tmpdir(), "pl-home-"));

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Starts `server start` and waits for /api/health; returns the process and its base URL. */
export async function startServer(env: Record<string, string>, extraArgs: string[] = [], cwd?: string) {
  const port = await freePort();
  const proc = Bun.spawn([BIN, "server", "start", "--port", String(port), ...extraArgs], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CI: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, base, port };
    await Bun.sleep(25);
  }
  proc.kill();
  throw new Error(
    `server did not answer /api/health: ${await new Response(proc.stderr).text()} ${await new Response(proc.stdout).text()}`,
  );
}
