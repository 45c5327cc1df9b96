// A throwaway PostgreSQL cluster on loopback for the test run: initdb into a temp dir, start on a free
// port, stop at exit. Debian's packages put the binaries in /usr/lib/postgresql/<ver>/bin.
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PgCluster {
  url: string; // postgresql://postgres@127.0.0.1:PORT/postgres
  port: number;
  stop(): void;
  /** Stops the cluster once process `pid` has exited, from a detached shell (for when no exit hook runs). */
  stopAfter(pid: number): void;
}

function pgBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], "bin") : null;
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

function run(cmd: string[], asPostgres: boolean) {
  const full = asPostgres && process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const r = Bun.spawnSync(full, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
  return r.stdout.toString();
}

export async function startPgCluster(): Promise<PgCluster | null> {
  const bin = pgBin();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), "prefect-lite-pg-"));
  const root = process.getuid?.() === 0;
  if (root) {
    chmodSync(dir, 0o777);
    run(["chown", "postgres:postgres", dir], false);
  }
  const data = join(dir, "data");
  run([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], true);
  const port = await freePort();
  // Durability is not under test; fsync off keeps the suite quick on 2 cores.
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  run([join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"], true);
  const stop = () => {
    try {
      run([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"], true);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  run(
    [
      join(bin, "psql"),
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-c",
      "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    ],
    false,
  );
  const stopAfter = (pid: number) => {
    const ctl = [join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"];
    const asPostgres = root ? ["runuser", "-u", "postgres", "--", ...ctl] : ctl;
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; ${asPostgres.map(quote).join(" ")} >/dev/null 2>&1; rm -rf ${quote(dir)}`;
    Bun.spawn(["setsid", "sh", "-c", script], { stdio: ["ignore", "ignore", "ignore"] }).unref();
  };
  return { url, port, stop, stopAfter };
}
