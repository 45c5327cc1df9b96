import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../support/binary.ts";

describe("config set / unset / view", () => {
  test("set writes the active profile in Prefect's format; view shows sources; unset removes", () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    const set = runCli(
      ["config", "set", "PREFECT_API_URL=http://127.0.0.1:4200/api", "PREFECT_LOGGING_SERVER_LEVEL=debug"],
      env,
    );
    expect(set.code).toBe(0);
    expect(set.out).toContain("Set 'PREFECT_API_URL' to 'http://127.0.0.1:4200/api'.");
    expect(set.out).toContain("Set 'PREFECT_SERVER_LOGGING_LEVEL' to 'debug'.");
    expect(set.out).toContain("Updated profile 'ephemeral'.");
    const file = readFileSync(join(home, "profiles.toml"), "utf8");
    expect(file).toContain('active = "ephemeral"');
    expect(file).toContain('PREFECT_API_URL = "http://127.0.0.1:4200/api"');
    // Aliases are written under the canonical name, as Prefect does.
    expect(file).toContain('PREFECT_SERVER_LOGGING_LEVEL = "debug"');

    const view = runCli(["config", "view", "--show-sources"], { ...env, PREFECT_SERVER_API_PORT: "4333" });
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("🚀 you are connected to:\nhttp://127.0.0.1:4200\n");
    expect(view.stdout).toContain("PREFECT_PROFILE='ephemeral'");
    expect(view.stdout).toContain("PREFECT_API_URL='http://127.0.0.1:4200/api' (from profile)");
    expect(view.stdout).toContain("PREFECT_SERVER_API_PORT='4333' (from env)");
    expect(view.stdout).not.toContain("(from defaults)");

    const defaults = runCli(["config", "view", "--show-defaults"], env);
    expect(defaults.stdout).toContain("PREFECT_SERVER_API_HOST='127.0.0.1' (from defaults)");
    expect(defaults.stdout).toContain("PREFECT_SERVER_DATABASE_CONNECTION_URL='********' (from defaults)");
    const hidden = runCli(["config", "view", "--hide-sources"], env);
    expect(hidden.stdout).toContain("PREFECT_API_URL='http://127.0.0.1:4200/api'\n");

    const unset = runCli(["config", "unset", "PREFECT_API_URL"], env);
    expect(unset.code).toBe(0);
    expect(unset.out).toContain("Unset 'PREFECT_API_URL'.");
    expect(readFileSync(join(home, "profiles.toml"), "utf8")).not.toContain("PREFECT_API_URL");
    const again = runCli(["config", "unset", "PREFECT_API_URL"], env);
    expect(again.code).toBe(1);
    expect(again.out).toContain("'PREFECT_API_URL' is not set in profile 'ephemeral'.");
  });

  test("env overrides profile and set warns about it", () => {
    const home = tempHome();
    const set = runCli(["config", "set", "PREFECT_SERVER_API_PORT=4300"], {
      PREFECT_HOME: home,
      PREFECT_SERVER_API_PORT: "4301",
    });
    expect(set.code).toBe(0);
    expect(set.out).toContain(
      "PREFECT_SERVER_API_PORT is also set by an environment variable which will override your config value.",
    );
  });

  test("secrets are masked everywhere unless asked", () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    expect(runCli(["config", "set", "PREFECT_SERVER_API_AUTH_STRING=admin:pw"], env).out).toContain(
      "Set 'PREFECT_SERVER_API_AUTH_STRING' to '********'.",
    );
    expect(runCli(["config", "view"], env).stdout).toContain(
      "PREFECT_SERVER_API_AUTH_STRING='********' (from profile)",
    );
    expect(runCli(["config", "view", "--show-secrets"], env).stdout).toContain(
      "PREFECT_SERVER_API_AUTH_STRING='admin:pw' (from profile)",
    );
    expect(runCli(["profile", "inspect"], env).stdout).toContain("PREFECT_SERVER_API_AUTH_STRING='********'");
  });

  test("bad input: exit 1, a clear message, the file untouched", () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    runCli(["config", "set", "PREFECT_API_URL=http://127.0.0.1:4200/api"], env);
    const path = join(home, "profiles.toml");
    const before = readFileSync(path, "utf8");
    const cases: Array<[string[], string]> = [
      [
        ["config", "set", "PREFECT_API_URLL=http://x"],
        "Unknown setting name 'PREFECT_API_URLL'. Did you mean 'PREFECT_API_URL'",
      ],
      [
        ["config", "set", "PREFECT_SERVER_API_PORT=4300", "PREFECT_SERVR_API_HOST=0.0.0.0"],
        "Did you mean 'PREFECT_SERVER_API_HOST'",
      ],
      [["config", "set", "PREFECT_SERVER_API_PORT=lots"], "Validation error for setting PREFECT_SERVER_API_PORT"],
      [
        ["config", "set", "PREFECT_SERVER_API_PORT"],
        "Failed to parse argument 'PREFECT_SERVER_API_PORT'. Use the format 'VAR=VAL'.",
      ],
      [
        ["config", "set", "PREFECT_HOME=/tmp/x"],
        "Setting 'PREFECT_HOME' cannot be changed with this command. Use an environment variable instead.",
      ],
      [
        ["config", "set", "PREFECT_LITE_SQLITE_SYNCHRONOUS=NORMAL"],
        "Setting 'PREFECT_LITE_SQLITE_SYNCHRONOUS' cannot be changed with this command.",
      ],
      [["config", "set", "PREFECT_SERVER_DATABASE_CONNECTION_URL=mysql://u@h/db"], "Unsupported database URL"],
      [["config", "unset", "PREFECT_NOPE"], "Unknown setting name 'PREFECT_NOPE'."],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.out).toContain(message);
      expect(r.out).not.toContain("    at "); // no stack trace
      expect(readFileSync(path, "utf8")).toBe(before);
    }
  });

  test("a profile file written by Prefect keeps its other profiles and unknown keys", () => {
    const home = tempHome();
    const path = join(home, "profiles.toml");
    writeFileSync(
      path,
      `active = "local"\n\n[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\nPREFECT_EXPERIMENTAL_THING = "1"\n\n[profiles.cloud]\nPREFECT_API_KEY = "pnu_x"\n`,
    );
    expect(runCli(["config", "set", "PREFECT_SERVER_API_PORT=4400"], { PREFECT_HOME: home }).code).toBe(0);
    const text = readFileSync(path, "utf8");
    expect(text).toContain('PREFECT_EXPERIMENTAL_THING = "1"');
    expect(text).toContain('[profiles.cloud]\nPREFECT_API_KEY = "pnu_x"');
    expect(text).toContain('PREFECT_SERVER_API_PORT = "4400"');
    expect(runCli(["config", "view"], { PREFECT_HOME: home }).stdout).toContain(
      "PREFECT_EXPERIMENTAL_THING='1' (from profile)",
    );
  });

  test("-p selects a profile for one command", () => {
    const home = tempHome();
    const env = { PREFECT_HOME: home };
    runCli(["profile", "create", "other"], env);
    expect(runCli(["-p", "other", "config", "set", "PREFECT_SERVER_API_PORT=4401"], env).out).toContain(
      "Updated profile 'other'.",
    );
    expect(runCli(["--profile", "other", "config", "view"], env).stdout).toContain(
      "PREFECT_SERVER_API_PORT='4401' (from profile)",
    );
    expect(runCli(["config", "view"], env).stdout).not.toContain("4401");
    const missing = runCli(["-p", "ghost", "config", "view"], env);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain("Profile 'ghost' not found.");
    expect(existsSync(join(home, "profiles.toml"))).toBe(true);
  });
});
