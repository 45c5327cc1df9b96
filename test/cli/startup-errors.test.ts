// A command that cannot open its database says so in ONE line and exits 1: no stack frames, no bundled
// source excerpt, no Bun code frame — those only at DEBUG. And no message ever shows a password.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, runCli, tempHome, type CliResult } from "../support/binary.ts";
import { PG_URL } from "../support/databases.ts";

const SECRET = "TopSecret99";

const COMMANDS = [
  ["server", "start", "--port", "0"],
  ["server", "database", "upgrade", "-y"],
  ["server", "database", "downgrade", "-y"],
  ["server", "database", "reset", "-y"],
  ["server", "database", "status"],
];

/** Exit 1 and exactly one line of output, with none of what a crash report prints. */
function expectOneLine(r: CliResult, args: string[]): string {
  const lines = r.out.trim().split("\n");
  expect({ args, code: r.code, lines: lines.length }).toEqual({ args, code: 1, lines: 1 });
  expect(r.out).not.toMatch(/^\s+at /m); // stack frames
  expect(r.out).not.toMatch(/^\s*\d+ \| /m); // Bun's excerpt of the bundled source
  expect(r.out).not.toMatch(/^\s*\^\s*$/m); // Bun's code-frame caret
  return lines[0];
}

function expectTrace(r: CliResult, firstLine: string) {
  expect(r.code).toBe(1);
  expect(r.out.trim().split("\n")[0]).toBe(firstLine);
  expect(r.out).toMatch(/^\s+at /m);
}

describe("startup failures are one line", () => {
  test("a prefect.db that is a text file", () => {
    const home = tempHome();
    writeFileSync(join(home, "prefect.db"), "not a database\n");
    for (const args of COMMANDS) {
      const line = expectOneLine(runCli(args, { PREFECT_HOME: home }), args);
      expect(line).toContain(
        `Cannot open the SQLite database '${join(home, "prefect.db")}': it is not a SQLite database`,
      );
    }
    expect(readFileSync(join(home, "prefect.db"), "utf8")).toBe("not a database\n");
  });

  test("a database path that is a directory", () => {
    const home = tempHome();
    mkdirSync(join(home, "prefect.db"));
    for (const args of COMMANDS) {
      const line = expectOneLine(runCli(args, { PREFECT_HOME: home }), args);
      expect(line).toContain(`'${join(home, "prefect.db")}': it is a directory, not a SQLite database file`);
    }
  });

  // Root ignores permission bits, so a chmod'ed directory would not fail under the test runner. A path
  // component that is a regular file fails for everyone, root included (ENOTDIR).
  test("a PREFECT_HOME beneath a regular file", () => {
    const file = join(tempHome(), "plain-file");
    writeFileSync(file, "x");
    for (const args of COMMANDS) {
      const line = expectOneLine(runCli(args, { PREFECT_HOME: join(file, "home") }), args);
      expect(line).toContain(`'${file}' is a file, not a directory. Set PREFECT_HOME`);
    }
  });

  test("a database URL with a bad percent-escape", () => {
    for (const args of COMMANDS) {
      const line = expectOneLine(
        runCli(args, { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///%zz" }),
        args,
      );
      expect(line).toContain(
        "Could not parse the database URL 'sqlite:///%zz': the path has a '%' not followed by two hex digits",
      );
    }
  });

  test("an unreachable PostgreSQL", () => {
    const url = `postgresql+asyncpg://u:${SECRET}@127.0.0.1:1/db`;
    for (const args of COMMANDS) {
      const r = runCli(args, { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: url });
      const line = expectOneLine(r, args);
      expect(line).toContain(
        "Could not connect to the database postgresql://u:********@127.0.0.1:1/db: connection refused",
      );
      expect(r.out).not.toContain(SECRET);
    }
  });

  test("a PostgreSQL that accepts the connection and never answers is given up on", async () => {
    // The kernel completes the handshake for the listener's backlog even while spawnSync blocks this
    // process, so the client connects and then waits for a server that says nothing.
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const url = `postgresql+asyncpg://u:${SECRET}@127.0.0.1:${silent.port}/db`;
      const started = Date.now();
      const r = runCli(["server", "database", "status"], {
        PREFECT_HOME: tempHome(),
        PREFECT_API_DATABASE_CONNECTION_URL: url,
        PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT: "1",
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      const line = expectOneLine(r, ["status"]);
      expect(line).toContain(`Could not connect to the database postgresql://u:********@127.0.0.1:${silent.port}/db:`);
      expect(r.out).not.toContain(SECRET);
    } finally {
      silent.stop(true);
    }
  });

  test("DEBUG shows the stack trace, from the setting or from --log-level", () => {
    const home = tempHome();
    writeFileSync(join(home, "prefect.db"), "not a database\n");
    const plain = expectOneLine(runCli(["server", "database", "status"], { PREFECT_HOME: home }), ["status"]);
    const viaSetting = runCli(["server", "database", "status"], {
      PREFECT_HOME: home,
      PREFECT_SERVER_LOGGING_LEVEL: "DEBUG",
    });
    expectTrace(viaSetting, plain);
    expect(viaSetting.out).toContain("Caused by: SQLiteError: file is not a database");
    const viaFlag = runCli(["server", "start", "--port", "0", "--log-level", "DEBUG"], { PREFECT_HOME: home });
    expectTrace(viaFlag, plain);
    // The legacy alias and lower case count too.
    expectTrace(
      runCli(["server", "database", "status"], { PREFECT_HOME: home, PREFECT_LOGGING_SERVER_LEVEL: "debug" }),
      plain,
    );
    // INFO is not DEBUG.
    expectOneLine(runCli(["server", "start", "--port", "0", "--log-level", "INFO"], { PREFECT_HOME: home }), [
      "start",
      "INFO",
    ]);
  });

  test("any other unexpected exception in a command is one line, its trace at DEBUG", () => {
    // A profiles file beneath a regular file: writeProfiles's mkdir fails with a plain Node error.
    const file = join(tempHome(), "plain-file");
    writeFileSync(file, "x");
    const env = { PREFECT_HOME: tempHome(), PREFECT_PROFILES_PATH: join(file, "profiles.toml") };
    const args = ["config", "set", "PREFECT_API_URL=http://127.0.0.1:4200/api"];
    const line = expectOneLine(runCli(args, env), args);
    expect(line).toContain("EEXIST");
    expect(line).toContain("(set PREFECT_SERVER_LOGGING_LEVEL=DEBUG to see the stack trace)");
    const debug = runCli(args, { ...env, PREFECT_SERVER_LOGGING_LEVEL: "DEBUG" });
    expect(debug.code).toBe(1);
    expect(debug.out.trim().split("\n")[0]).not.toContain("set PREFECT_SERVER_LOGGING_LEVEL=DEBUG");
    expect(debug.out).toMatch(/^\s+at /m);
  });
});

test("a reader that stops early (`config view | head -1`) is no error", () => {
  // head exits after one line, so the next write meets a closed pipe (EPIPE); before, that was a stack trace.
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    CI: "1",
    PREFECT_HOME: tempHome(),
  };
  const r = Bun.spawnSync(["bash", "-c", `set -o pipefail; "${BIN}" config view --show-defaults | head -1`], {
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(r.stdout.toString().trim()).toBe("PREFECT_PROFILE='ephemeral'");
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
});

// Simulating a read-only PREFECT_HOME for root: setpriv drops every capability (CAP_DAC_OVERRIDE among
// them) for the child, which then honours permission bits like any user, while still owning the files.
const unprivileged = (() => {
  if (process.getuid?.() !== 0) return [] as string[];
  const prefix = ["setpriv", "--bounding-set", "-all", "--inh-caps", "-all"];
  const probe = Bun.spawnSync([...prefix, "true"], { stdout: "ignore", stderr: "ignore" });
  return probe.exitCode === 0 ? prefix : null;
})();
if (unprivileged === null)
  console.warn("!!! setpriv cannot drop capabilities here: the read-only PREFECT_HOME cases are NOT running.");

function runUnprivileged(args: string[], env: Record<string, string>): CliResult {
  const r = Bun.spawnSync([...(unprivileged ?? []), BIN, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CI: "1", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString();
  return { code: r.exitCode ?? -1, stdout, stderr, out: stdout + stderr };
}

describe.if(unprivileged !== null)("a read-only PREFECT_HOME", () => {
  const madeReadOnly: string[] = [];
  afterAll(() => {
    for (const d of madeReadOnly) chmodSync(d, 0o700);
  });

  test("an empty read-only PREFECT_HOME: permission denied, for every command", () => {
    const home = tempHome();
    chmodSync(home, 0o500);
    madeReadOnly.push(home);
    for (const args of COMMANDS) {
      const line = expectOneLine(runUnprivileged(args, { PREFECT_HOME: home }), args);
      expect(line).toContain(
        `Cannot open the SQLite database '${join(home, "prefect.db")}': permission denied (cannot create files in '${home}')`,
      );
    }
  });

  test("a database in a read-only PREFECT_HOME (no room for its -wal and -shm files)", () => {
    const home = tempHome();
    expect(runCli(["server", "database", "upgrade", "-y"], { PREFECT_HOME: home }).code).toBe(0);
    chmodSync(home, 0o500);
    madeReadOnly.push(home);
    for (const args of COMMANDS) {
      const line = expectOneLine(runUnprivileged(args, { PREFECT_HOME: home }), args);
      expect(line).toContain(`permission denied (cannot create files in '${home}')`);
    }
  });
});

describe("passwords never appear in any output", () => {
  const cases: Array<[string, string]> = [
    ["unsupported scheme", `mysql://u:${SECRET}@localhost/db`],
    ["port out of range", `postgresql+asyncpg://u:${SECRET}@127.0.0.1:99999/db`],
    ["port not a number", `postgresql+asyncpg://u:${SECRET}@127.0.0.1:abc/db`],
    ["no database name", `postgresql+asyncpg://u:${SECRET}@127.0.0.1:5432/`],
    ["unbalanced bracket", `postgresql+asyncpg://u:${SECRET}@[::1/db`],
    ["bad escape after the password", `postgresql+asyncpg://u:${SECRET}@127.0.0.1:5432/db%zz`],
    ["unencoded @ in the password", `postgresql+asyncpg://u:Top@${SECRET}@127.0.0.1:1/db`],
    ["unreachable host", `postgresql+asyncpg://u:${SECRET}@127.0.0.1:1/db`],
    ["unknown host", `postgresql+asyncpg://u:${SECRET}@no-such-host.invalid:5432/db`],
    ["password in the query", `postgresql+asyncpg://u@127.0.0.1:1/db?password=${SECRET}`],
  ];
  test.each(cases)("%s", (_name, url) => {
    for (const args of COMMANDS) {
      const r = runCli(args, { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: url });
      expectOneLine(r, args);
      expect({ args, leaked: r.out.includes(SECRET) }).toEqual({ args, leaked: false });
    }
    const set = runCli(["config", "set", `PREFECT_API_DATABASE_CONNECTION_URL=${url}`], { PREFECT_HOME: tempHome() });
    expect(set.out).not.toContain(SECRET);
  });

  test("nor at DEBUG, in the stack trace", () => {
    const r = runCli(["server", "database", "status"], {
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: `mysql://u:${SECRET}@localhost/db`,
      PREFECT_SERVER_LOGGING_LEVEL: "DEBUG",
    });
    expect(r.out).toMatch(/^\s+at /m);
    expect(r.out).toContain("mysql://u:********@localhost/db");
    expect(r.out).not.toContain(SECRET);
  });

  test.if(!!PG_URL)("PostgreSQL's own refusals (no such database, no such role)", () => {
    const u = new URL(PG_URL);
    const base = `postgresql+asyncpg://${u.username || "postgres"}:${SECRET}@${u.hostname}:${u.port || 5432}`;
    const noDb = runCli(["server", "database", "status"], {
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: `${base}/no_such_db_here`,
    });
    expect(expectOneLine(noDb, ["no db"])).toContain('database "no_such_db_here" does not exist. Create it');
    expect(noDb.out).not.toContain(SECRET);
    const noRole = runCli(["server", "database", "status"], {
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: `postgresql+asyncpg://no_such_role_here:${SECRET}@${u.hostname}:${u.port || 5432}/postgres`,
    });
    expect(expectOneLine(noRole, ["no role"])).toContain(
      "Could not connect to the database postgresql://no_such_role_here:********@",
    );
    expect(noRole.out).not.toContain(SECRET);
  });

  test("config view and profile inspect hide a password inside a URL that is not itself a secret", () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    expect(
      runCli(["config", "set", `PREFECT_API_URL=http://admin:${SECRET}@127.0.0.1:4200/api`], env).out,
    ).not.toContain(SECRET);
    writeFileSync(
      join(home, "profiles.toml"),
      `active = "ephemeral"\n\n[profiles.ephemeral]\nPREFECT_API_URL = "http://admin:${SECRET}@127.0.0.1:4200/api"\nSOME_SDK_URL = "postgres://u:${SECRET}@h/db"\n`,
    );
    const view = runCli(["config", "view"], {
      ...env,
      PREFECT_API_DATABASE_CONNECTION_URL: `postgresql+asyncpg://u:${SECRET}@h/db`,
    });
    expect(view.code).toBe(0);
    expect(view.out).toContain("PREFECT_API_URL='http://admin:********@127.0.0.1:4200/api'");
    expect(view.out).toContain("SOME_SDK_URL='postgres://u:********@h/db'");
    expect(view.out).not.toContain(SECRET);
    const inspect = runCli(["profile", "inspect", "ephemeral"], env);
    expect(inspect.code).toBe(0);
    expect(inspect.out).toContain("PREFECT_API_URL='http://admin:********@127.0.0.1:4200/api'");
    expect(inspect.out).not.toContain(SECRET);
    // Asked for explicitly, secrets are shown.
    expect(runCli(["config", "view", "--show-secrets"], env).out).toContain(SECRET);
  });
});
