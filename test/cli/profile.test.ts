import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServer, tempHome } from "../support/binary.ts";

describe("profile ls / create / use / delete / inspect", () => {
  test("the whole life of a profile", async () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    const created = runCli(["profile", "create", "dev"], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Created profile with properties:\n    name - 'dev'\n    from name - None");
    expect(runCli(["profile", "create", "dev"], env)).toMatchObject({ code: 1 });
    expect(runCli(["profile", "create", "dev"], env).out).toContain("Profile 'dev' already exists.");

    runCli(["-p", "dev", "config", "set", "PREFECT_SERVER_API_PORT=4500"], env);
    expect(runCli(["profile", "create", "copy", "--from", "dev"], env).code).toBe(0);
    expect(runCli(["profile", "inspect", "copy"], env).stdout).toContain("PREFECT_SERVER_API_PORT='4500'");
    expect(runCli(["profile", "create", "x", "--from", "nope"], env).out).toContain("Profile 'nope' not found.");

    const ls = runCli(["profile", "ls"], env);
    expect(ls.stdout).toContain("Available Profiles:");
    expect(ls.stdout).toContain("* ephemeral");
    expect(ls.stdout).toContain("  dev");

    // `use` switches even when no server answers, and says so with exit 1 as Prefect does.
    runCli(["-p", "dev", "config", "set", "PREFECT_API_URL=http://127.0.0.1:1/api"], env);
    const unreachable = runCli(["profile", "use", "dev"], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toContain("Error connecting to Prefect server using profile 'dev'");
    expect(readFileSync(join(home, "profiles.toml"), "utf8")).toContain('active = "dev"');

    const server = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_SERVER_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
    });
    try {
      runCli(["config", "set", `PREFECT_API_URL=${server.base}/api`], env);
      const ok = runCli(["profile", "use", "dev"], env);
      expect(ok.code).toBe(0);
      expect(ok.out).toContain("Connected to Prefect server using profile 'dev'");
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc.exited;
    }

    expect(runCli(["profile", "use", "ghost"], env).out).toContain("Profile 'ghost' not found.");
    const active = runCli(["profile", "delete", "dev"], env);
    expect(active.code).toBe(1);
    expect(active.out).toContain(
      "Profile 'dev' is the active profile. You must switch profiles before it can be deleted.",
    );
    expect(runCli(["profile", "delete", "copy"], env).out).toContain("Removed profile 'copy'.");
    expect(runCli(["profile", "inspect", "copy"], env).code).toBe(1);
    expect(runCli(["profile", "inspect", "ephemeral"], env).stdout).toContain(
      "PREFECT_SERVER_EPHEMERAL_ENABLED='true'",
    );
    runCli(["profile", "create", "empty"], env);
    expect(runCli(["profile", "inspect", "empty"], env).stdout).toContain("Profile 'empty' is empty.");
  });
});
