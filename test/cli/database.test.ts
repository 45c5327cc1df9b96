import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../support/binary.ts";
import { freshPgUrl, PG_URL } from "../support/databases.ts";
import { revisionsFor } from "../../src/db/revisions.ts";

const REVISIONS = revisionsFor("sqlite");
const label = (r: { id: string; name: string }) => `${r.id}_${r.name}`;
const HEAD = label(REVISIONS.at(-1)!);

const targets: Array<{ name: string; url: () => Promise<string> }> = [
  { name: "sqlite", url: async () => `sqlite+aiosqlite:///${join(tempHome(), "prefect.db")}` },
  ...(PG_URL ? [{ name: "pg", url: () => freshPgUrl("cli") }] : []),
];

describe.each(targets)("server database on $name", ({ url }) => {
  test("upgrade, status, downgrade -r -1, downgrade base, reset -y", async () => {
    const env = { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: await url() };
    const status0 = runCli(["server", "database", "status"], env);
    expect(status0.code).toBe(0);
    expect(status0.stdout).toContain("Current revision: base");

    const up = runCli(["server", "database", "upgrade", "-y"], env);
    expect(up.code).toBe(0);
    expect(up.out).toContain("Running upgrade migrations ...");
    expect(up.out).toContain("Migrations succeeded!");
    expect(up.out).toMatch(/Prefect database at .* upgraded!/);
    expect(up.out).not.toContain("secret");
    expect(runCli(["server", "database", "status"], env).stdout).toContain(
      `Current revision: ${HEAD}\n${REVISIONS.map((r) => `  [x] ${label(r)}`).join("\n")}`,
    );

    const down = runCli(["server", "database", "downgrade", "-y", "-r", "-1"], env);
    expect(down.code).toBe(0);
    expect(down.out).toContain(`reverted ${HEAD}`);
    expect(runCli(["server", "database", "status"], env).stdout).toContain(
      `Current revision: ${label(REVISIONS.at(-2)!)}`,
    );

    const toCore = runCli(["server", "database", "downgrade", "-y", "-r", "0001"], env);
    expect(toCore.code).toBe(0);
    expect(toCore.out).toContain("reverted 0002_events");
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: 0001_core");

    const base = runCli(["server", "database", "downgrade", "-y", "-r", "base"], env);
    expect(base.code).toBe(0);
    expect(base.out).toContain("reverted 0001_core");
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: base");

    const atBase = runCli(["server", "database", "downgrade", "-y"], env);
    expect(atBase.code).toBe(1);
    expect(atBase.out).toContain("Nothing to downgrade: the database is at base.");

    const dry = runCli(["server", "database", "upgrade", "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("-- Upgrade to 0001_core");
    expect(dry.stdout).toContain("CREATE TABLE flow");
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: base");

    expect(runCli(["server", "database", "upgrade", "-y", "-r", "0001"], env).code).toBe(0);
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: 0001_core");

    const reset = runCli(["server", "database", "reset", "-y"], env);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain("Downgrading database...");
    expect(reset.out).toContain("Upgrading database...");
    expect(reset.out).toMatch(/Prefect database ".*" reset!/);
    expect(runCli(["server", "database", "status"], env).stdout).toContain(`Current revision: ${HEAD}`);
  });

  test("bad targets and missing confirmation are clear errors", async () => {
    const env = { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: await url() };
    const unknown = runCli(["server", "database", "upgrade", "-y", "-r", "zzzz"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain("Unknown revision 'zzzz'");
    const noTty = runCli(["server", "database", "reset"], env);
    expect(noTty.code).toBe(1);
    expect(noTty.out).toContain(
      "Database reset aborted: confirmation needed but stdin is not a terminal. Pass -y/--yes to proceed.",
    );
    expect(runCli(["server", "database", "upgrade"], env).out).toContain("Database upgrade aborted!");
    expect(runCli(["server", "database", "status"], env).stdout).toContain("Current revision: base");
  });
});

describe("databases prefect-lite does not own", () => {
  test("a Prefect prefect.db is refused by every command, byte for byte untouched", () => {
    const home = tempHome();
    const path = join(home, "prefect.db");
    const db = new Database(path, { create: true });
    db.run("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)");
    db.run("INSERT INTO alembic_version VALUES ('3c841a1800a1')");
    db.run("CREATE TABLE flow (id CHAR(36) PRIMARY KEY, name VARCHAR NOT NULL)");
    db.close();
    const before = readFileSync(path);
    const env = { PREFECT_HOME: home }; // the default URL points at $PREFECT_HOME/prefect.db
    for (const args of [
      ["server", "database", "upgrade", "-y"],
      ["server", "database", "reset", "-y"],
      ["server", "database", "downgrade", "-y", "-r", "base"],
      ["server", "start", "--port", "0"],
    ]) {
      const r = runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.out).toContain("created by Prefect's Python server (it has an alembic_version table)");
      expect(Buffer.compare(readFileSync(path), before)).toBe(0);
    }
  });

  test("an unreachable PostgreSQL is a clear error", () => {
    const r = runCli(["server", "database", "status"], {
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "postgresql+asyncpg://u:secretpw@127.0.0.1:1/db",
      PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT: "2",
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain("Could not connect to the database");
    expect(r.out).not.toContain("secretpw");
  });

  test("an unsupported URL is a clear error", () => {
    const r = runCli(["server", "database", "status"], {
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "mysql://u@h/db",
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain("Unsupported database URL");
  });
});
