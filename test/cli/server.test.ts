import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, freePort, runCli, startServer, tempHome } from "../support/binary.ts";
import { revisionsFor } from "../../src/db/revisions.ts";
import { freshPgUrl, PG_URL } from "../support/databases.ts";

describe("server start", () => {
  test("the binary copied alone into an empty directory serves /api/health on embedded SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-empty-"));
    const copy = join(dir, "prefect-lite");
    copyFileSync(BIN, copy);
    Bun.spawnSync(["chmod", "+x", copy]);
    const home = join(dir, "home");
    const port = await freePort();
    // No node_modules, no Bun on PATH: only the file itself.
    const proc = Bun.spawn([copy, "server", "start", "--port", String(port)], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", PREFECT_HOME: home },
      stdout: "pipe",
      stderr: "pipe",
    });
    let health: unknown = null;
    for (let i = 0; i < 200 && health === null; i++) {
      health = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.json(),
        () => null,
      );
      if (health === null) await Bun.sleep(25);
    }
    expect(health).toBe(true);
    expect(existsSync(join(home, "prefect.db"))).toBe(true);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const out = await new Response(proc.stdout).text();
    expect(out).toContain(`prefect config set PREFECT_API_URL=http://127.0.0.1:${port}/api`);
    expect(out).toContain(`Check out the dashboard at http://127.0.0.1:${port}`);
    expect(out).toContain(`Database: sqlite:///${home}/prefect.db`);
    expect(out).toContain("Server stopped!");
    // The WAL checkpointer's worker thread is embedded in the binary and starts; the WAL is gone after stop.
    expect(await new Response(proc.stderr).text()).not.toContain("background checkpoints unavailable");
    expect(existsSync(join(home, "prefect.db-wal"))).toBe(false);
    // The copy is the binary's size (~120 MB): left behind, every run of the suite kept another.
    rmSync(dir, { recursive: true, force: true });
  });

  test.if(!!PG_URL)("on PostgreSQL: migrates on start, banner hides the password", async () => {
    const url = (await freshPgUrl("start")).replace("postgres@", "postgres:hunter2@");
    const s = await startServer({ PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: url });
    try {
      expect(await (await fetch(`${s.base}/api/admin/version`)).json()).toBe("3.9.1");
      const status = runCli(["server", "database", "status"], {
        PREFECT_HOME: tempHome(),
        PREFECT_API_DATABASE_CONNECTION_URL: url,
      });
      const head = revisionsFor("pg").at(-1)!;
      expect(status.stdout).toContain(`Current revision: ${head.id}_${head.name}`);
    } finally {
      s.proc.kill("SIGINT");
      expect(await s.proc.exited).toBe(0);
    }
    const out = await new Response(s.proc.stdout).text();
    expect(out).toContain("Database: postgresql://postgres:********@127.0.0.1:");
    expect(out).not.toContain("hunter2");
  });

  test("migrate-on-start off leaves the database at base", async () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home, PREFECT_API_DATABASE_MIGRATE_ON_START: "false" };
    const s = await startServer(env);
    s.proc.kill("SIGTERM");
    await s.proc.exited;
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: base");
  });

  test("basic auth from the setting protects everything but health", async () => {
    const s = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_SERVER_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      PREFECT_SERVER_API_AUTH_STRING: "admin:pw",
    });
    try {
      expect((await fetch(`${s.base}/api/health`)).status).toBe(200);
      expect((await fetch(`${s.base}/api/version`)).status).toBe(401);
      expect(
        (await fetch(`${s.base}/api/version`, { headers: { authorization: `Basic ${btoa("admin:pw")}` } })).status,
      ).toBe(200);
    } finally {
      s.proc.kill("SIGTERM");
      await s.proc.exited;
    }
  });

  test("bad input: port in use, bad port, bad log level, bad setting value", async () => {
    const home = tempHome();
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const inUse = runCli(["server", "start", "--port", String(busy.port)], { PREFECT_HOME: home });
      expect(inUse.code).toBe(1);
      expect(inUse.out).toContain(`Port ${busy.port} is already in use. Please specify a different port with the`);
    } finally {
      busy.stop(true);
    }
    // A second prefect-lite on the port of a running one fails too (Bun would share it with reusePort).
    const first = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
    });
    try {
      const second = runCli(["server", "start", "--port", String(first.port)], {
        PREFECT_HOME: home,
        PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      });
      expect(second.code).toBe(1);
      expect(second.out).toContain(`Port ${first.port} is already in use.`);
    } finally {
      first.proc.kill("SIGTERM");
      await first.proc.exited;
    }
    const badPort = runCli(["server", "start", "--port", "http"], { PREFECT_HOME: home });
    expect(badPort.code).toBe(1);
    expect(badPort.out).toContain("Validation error for setting PREFECT_SERVER_API_PORT");
    const badLevel = runCli(["server", "start", "--log-level", "LOUD"], { PREFECT_HOME: home });
    expect(badLevel.code).toBe(1);
    expect(badLevel.out).toContain("Validation error for setting PREFECT_SERVER_LOGGING_LEVEL");
    const badEnv = runCli(["server", "start"], { PREFECT_HOME: home, PREFECT_SERVER_API_PORT: "99999" });
    expect(badEnv.code).toBe(1);
    expect(badEnv.out).toContain("(from environment variable PREFECT_SERVER_API_PORT)");
    const untouched = tempHome();
    const badSync = runCli(["server", "start"], { PREFECT_HOME: untouched, PREFECT_LITE_SQLITE_SYNCHRONOUS: "fast" });
    expect(badSync.code).toBe(1);
    expect(badSync.out).toContain("Validation error for setting PREFECT_LITE_SQLITE_SYNCHRONOUS");
    expect(existsSync(join(untouched, "prefect.db"))).toBe(false);
  });

  test("--help works for every command", () => {
    for (const args of [
      [],
      ["server"],
      ["server", "start"],
      ["server", "database"],
      ["server", "database", "reset"],
      ["server", "database", "upgrade"],
      ["server", "database", "downgrade"],
      ["server", "database", "status"],
      ["config"],
      ["config", "set"],
      ["config", "unset"],
      ["config", "view"],
      ["profile"],
      ["profile", "ls"],
      ["profile", "create"],
      ["profile", "use"],
      ["profile", "delete"],
      ["profile", "inspect"],
    ]) {
      const r = runCli([...args, "--help"], { PREFECT_HOME: tempHome() });
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.out).toContain("USAGE");
    }
  });

  test("an unknown command is an error", () => {
    const r = runCli(["serve"], { PREFECT_HOME: tempHome() });
    expect(r.code).not.toBe(0);
  });
});
