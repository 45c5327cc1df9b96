import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findSetting, SETTINGS } from "../../src/settings/registry.ts";
import { readProfiles, touchProfile, writeProfiles } from "../../src/settings/profiles.ts";
import { serverConfigFrom } from "../../src/settings/server-config.ts";
import { Settings } from "../../src/settings/sources.ts";
import { parseSettingValue } from "../../src/settings/values.ts";

const home = () => mkdtempSync(join(tmpdir(), "pl-settings-"));

// Exactly what Prefect 3.x writes: `active`, then one table per profile, string values.
const PREFECT_WRITTEN = `active = "local"

[profiles.ephemeral]
PREFECT_SERVER_EPHEMERAL_ENABLED = "true"

[profiles.local]
PREFECT_API_URL = "http://127.0.0.1:4200/api"
PREFECT_LOGGING_LEVEL = "DEBUG"
PREFECT_SOME_FUTURE_SETTING = "kept"

[profiles.prod]
PREFECT_API_DATABASE_CONNECTION_URL = "postgresql+asyncpg://u:p@db/prefect"
`;

describe("settings precedence: env > profile > default", () => {
  test("defaults", () => {
    const s = new Settings({ env: { PREFECT_HOME: home() } });
    expect(s.get("PREFECT_SERVER_API_PORT")).toBe(4200);
    expect(s.get("PREFECT_SERVER_API_HOST")).toBe("127.0.0.1");
    expect(s.get("PREFECT_SERVER_DATABASE_MIGRATE_ON_START")).toBe(true);
    expect(s.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")).toBe(`sqlite+aiosqlite:///${s.home}/prefect.db`);
    expect(s.resolve("PREFECT_SERVER_API_PORT").source).toBe("defaults");
  });

  test("profile beats default, env beats profile, aliases count as the setting", () => {
    const h = home();
    writeFileSync(
      join(h, "profiles.toml"),
      `active = "dev"\n[profiles.dev]\nPREFECT_SERVER_API_PORT = "4300"\nPREFECT_LOGGING_SERVER_LEVEL = "DEBUG"\n`,
    );
    const fromProfile = new Settings({ env: { PREFECT_HOME: h } });
    expect(fromProfile.get("PREFECT_SERVER_API_PORT")).toBe(4300);
    expect(fromProfile.resolve("PREFECT_SERVER_API_PORT").source).toBe("profile");
    expect(fromProfile.get("PREFECT_SERVER_LOGGING_LEVEL")).toBe("DEBUG");

    const fromEnv = new Settings({
      env: {
        PREFECT_HOME: h,
        PREFECT_SERVER_API_PORT: "4500",
        PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      },
    });
    expect(fromEnv.get("PREFECT_SERVER_API_PORT")).toBe(4500);
    expect(fromEnv.resolve("PREFECT_SERVER_API_PORT").source).toBe("env");
    expect(fromEnv.resolve("PREFECT_SERVER_DATABASE_CONNECTION_URL")).toMatchObject({
      source: "env",
      key: "PREFECT_API_DATABASE_CONNECTION_URL",
    });
  });

  test("the active profile: --profile > PREFECT_PROFILE > file; unknown falls back with a warning", () => {
    const h = home();
    writeFileSync(join(h, "profiles.toml"), PREFECT_WRITTEN);
    expect(new Settings({ env: { PREFECT_HOME: h } }).profileName).toBe("local");
    expect(new Settings({ env: { PREFECT_HOME: h, PREFECT_PROFILE: "prod" } }).profileName).toBe("prod");
    expect(new Settings({ env: { PREFECT_HOME: h, PREFECT_PROFILE: "prod" }, profile: "ephemeral" }).profileName).toBe(
      "ephemeral",
    );
    const missing = new Settings({ env: { PREFECT_HOME: h, PREFECT_PROFILE: "nope" } });
    expect(missing.profileName).toBe("ephemeral");
    expect(missing.profileWarning).toBe(
      "Active profile 'nope' set by environment variable not found. The default profile will be used instead.",
    );
    expect(() => new Settings({ env: { PREFECT_HOME: h }, profile: "nope" })).toThrow("Profile 'nope' not found.");
  });

  test("PREFECT_PROFILES_PATH moves the file", () => {
    const h = home();
    const other = join(home(), "elsewhere.toml");
    writeFileSync(other, `active = "x"\n[profiles.x]\nPREFECT_SERVER_API_PORT = "4999"\n`);
    const s = new Settings({ env: { PREFECT_HOME: h, PREFECT_PROFILES_PATH: other } });
    expect(s.profilesPath).toBe(other);
    expect(s.get("PREFECT_SERVER_API_PORT")).toBe(4999);
  });

  test("an invalid value names the setting and where it came from", () => {
    const s = new Settings({ env: { PREFECT_HOME: home(), PREFECT_SERVER_API_PORT: "http" } });
    expect(() => s.get("PREFECT_SERVER_API_PORT")).toThrow(
      /PREFECT_SERVER_API_PORT.*valid integer.*environment variable PREFECT_SERVER_API_PORT/,
    );
  });
});

describe("values", () => {
  const def = (n: string) => findSetting(n)!;
  test.each([
    ["true", true],
    ["1", true],
    ["Yes", true],
    ["off", false],
    ["F", false],
  ])("bool %s", (raw, v) => {
    expect(parseSettingValue(def("PREFECT_SERVER_UI_ENABLED"), raw)).toBe(v);
  });
  test("rejects", () => {
    expect(() => parseSettingValue(def("PREFECT_SERVER_UI_ENABLED"), "maybe")).toThrow("valid boolean");
    expect(() => parseSettingValue(def("PREFECT_SERVER_API_PORT"), "70000")).toThrow("less than or equal to 65535");
    expect(() => parseSettingValue(def("PREFECT_SERVER_LOGGING_LEVEL"), "LOUD")).toThrow("'DEBUG'");
    expect(() => parseSettingValue(def("PREFECT_API_URL"), "localhost:4200")).toThrow("http(s) URL");
    expect(() => parseSettingValue(def("PREFECT_SERVER_DATABASE_CONNECTION_URL"), "mysql://x")).toThrow(
      "Unsupported database URL",
    );
  });
  test("notification base URLs and timeout: Prefect's hosts by default, overridable from the environment", () => {
    const defaults = serverConfigFrom(new Settings({ env: { PREFECT_HOME: home() } }), "x").notifications;
    expect(defaults.baseUrls.PAGERDUTY).toBe("https://events.pagerduty.com");
    expect(defaults.timeoutSeconds).toBe(10);
    const env = {
      PREFECT_HOME: home(),
      PREFECT_LITE_NOTIFICATIONS_TWILIO_URL: "http://10.0.0.5:8080/twilio/",
      PREFECT_LITE_NOTIFICATIONS_TIMEOUT_SECONDS: "2.5",
    };
    const mine = serverConfigFrom(new Settings({ env }), "x").notifications;
    expect(mine.baseUrls).toMatchObject({ TWILIO: "http://10.0.0.5:8080/twilio", DISCORD: "https://discord.com" });
    expect(mine.timeoutSeconds).toBe(2.5);
    expect(() => parseSettingValue(def("PREFECT_LITE_NOTIFICATIONS_SENDGRID_URL"), "sendgrid")).toThrow("http(s) URL");
    expect(def("PREFECT_LITE_NOTIFICATIONS_DISCORD_URL").envOnly).toBe(true);
  });
  test("SQLite durability: FULL by default, one of Sqlite's levels, case-insensitive", () => {
    const sync = def("PREFECT_LITE_SQLITE_SYNCHRONOUS");
    expect(new Settings({ env: { PREFECT_HOME: home() } }).get("PREFECT_LITE_SQLITE_SYNCHRONOUS")).toBe("FULL");
    expect(parseSettingValue(sync, "normal")).toBe("NORMAL");
    expect(() => parseSettingValue(sync, "fast")).toThrow(
      "Input should be one of 'OFF', 'NORMAL', 'FULL', 'EXTRA': 'fast'",
    );
    // Ours, so it must never be written into the profile the SDK reads.
    expect(sync.envOnly).toBe(true);
  });
  test("levels are case-insensitive and normalised", () => {
    expect(parseSettingValue(def("PREFECT_SERVER_LOGGING_LEVEL"), "debug")).toBe("DEBUG");
  });
  test("the registry has no duplicate names and every secret is a credential", () => {
    const names = SETTINGS.flatMap((d) => [d.name, ...d.aliases]);
    expect(new Set(names).size).toBe(names.length);
    expect(
      SETTINGS.filter((d) => d.secret)
        .map((d) => d.name)
        .sort(),
    ).toEqual([
      "PREFECT_API_AUTH_STRING",
      "PREFECT_API_KEY",
      "PREFECT_SERVER_API_AUTH_STRING",
      "PREFECT_SERVER_DATABASE_CONNECTION_URL",
      "PREFECT_SERVER_DATABASE_PASSWORD",
    ]);
  });
});

describe("profiles.toml round trip", () => {
  test("a file written by Prefect keeps every profile and unknown key after we write it", () => {
    const path = join(home(), "profiles.toml");
    writeFileSync(path, PREFECT_WRITTEN);
    const file = readProfiles(path);
    expect(file.active).toBe("local");
    touchProfile(file, "local").PREFECT_SERVER_API_PORT = "4300";
    writeProfiles(path, file);
    const again = readProfiles(path);
    expect(again.active).toBe("local");
    expect(again.profiles.local).toEqual({
      PREFECT_API_URL: "http://127.0.0.1:4200/api",
      PREFECT_LOGGING_LEVEL: "DEBUG",
      PREFECT_SOME_FUTURE_SETTING: "kept",
      PREFECT_SERVER_API_PORT: "4300",
    });
    expect(again.profiles.prod).toEqual({ PREFECT_API_DATABASE_CONNECTION_URL: "postgresql+asyncpg://u:p@db/prefect" });
    const text = readFileSync(path, "utf8");
    expect(text.startsWith('active = "local"\n')).toBe(true);
    expect(text).toContain('[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("without a file, Prefect's packaged profiles apply and untouched ones are not written", () => {
    const path = join(home(), "profiles.toml");
    const file = readProfiles(path);
    expect(file.active).toBe("ephemeral");
    expect(Object.keys(file.profiles).sort()).toEqual(["cloud", "ephemeral", "local", "test"]);
    touchProfile(file, "ephemeral").PREFECT_API_URL = "http://127.0.0.1:4200/api";
    writeProfiles(path, file);
    expect(readFileSync(path, "utf8")).toBe(
      'active = "ephemeral"\n\n[profiles.ephemeral]\nPREFECT_SERVER_EPHEMERAL_ENABLED = "true"\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n',
    );
  });

  test("a broken file is a clear error", () => {
    const path = join(home(), "profiles.toml");
    writeFileSync(path, "active = \n[[[");
    expect(() => readProfiles(path)).toThrow("Could not read the profiles file");
  });
});
