import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { maskCredentials } from "../../src/core/redact.ts";
import { applyPassword, parseDatabaseUrl } from "../../src/db/url.ts";

describe("database URLs", () => {
  test("sqlite+aiosqlite with an absolute path (four slashes)", () => {
    expect(parseDatabaseUrl("sqlite+aiosqlite:////home/u/.prefect/prefect.db")).toEqual({
      dialect: "sqlite",
      path: "/home/u/.prefect/prefect.db",
      memory: false,
      display: "sqlite:////home/u/.prefect/prefect.db",
    });
  });

  test("sqlite:/// with a relative path resolves against the working directory", () => {
    const spec = parseDatabaseUrl("sqlite:///data/prefect.db");
    expect(spec).toMatchObject({ dialect: "sqlite", path: resolve("data/prefect.db"), memory: false });
  });

  test.each([
    "sqlite:///:memory:",
    "sqlite+aiosqlite:///:memory:",
    "sqlite+aiosqlite:///file::memory:?cache=shared&uri=true&check_same_thread=false",
    "sqlite://",
    "sqlite:///file:x?mode=memory&cache=shared&uri=true",
  ])("%s is in memory", (url) => {
    expect(parseDatabaseUrl(url)).toMatchObject({ dialect: "sqlite", memory: true, path: ":memory:" });
  });

  test.each([
    [
      "postgresql+asyncpg://user:pa%40ss@db.example:6543/prefect",
      { host: "db.example", port: 6543, user: "user", password: "pa@ss", database: "prefect" },
    ],
    [
      "postgresql://user:pass@localhost/prefect",
      { host: "localhost", port: 5432, user: "user", password: "pass", database: "prefect" },
    ],
    [
      "postgres://u@127.0.0.1:5433/x?sslmode=require",
      { host: "127.0.0.1", port: 5433, user: "u", password: "", database: "x", params: { sslmode: "require" } },
    ],
    ["postgresql+asyncpg://u:p@/db?host=/var/run/postgresql", { host: "/var/run/postgresql", database: "db" }],
  ])("%s", (url, expected) => {
    expect(parseDatabaseUrl(url)).toMatchObject({ dialect: "pg", ...expected });
  });

  test("the display form hides the password", () => {
    const spec = parseDatabaseUrl("postgresql+asyncpg://user:secret@h:5432/db");
    expect(spec.display).toBe("postgresql://user:********@h:5432/db");
    expect(spec.display).not.toContain("secret");
  });

  test.each([
    ["postgresql+asyncpg://user:secret@h/db", "postgresql+asyncpg://user:********@h/db"],
    [
      "Unsupported database URL 'mysql://u:TopSecret99@localhost/db': expected …",
      "Unsupported database URL 'mysql://u:********@localhost/db': expected …",
    ],
    // An unencoded @ or / in the password: everything up to the last @ before the query is hidden.
    ["postgresql://u:Top@Sec/ret@h:5432/db?sslmode=require", "postgresql://u:********@h:5432/db?sslmode=require"],
    [
      "postgres://u:p@h/db?sslmode=require&password=TopSecret99",
      "postgres://u:********@h/db?sslmode=require&password=********",
    ],
    ["two: a://x:s1@h and b://y:s2@k.", "two: a://x:********@h and b://y:********@k."],
    ["URL 'postgresql:/u:TopSecret99@h/db'", "URL 'postgresql:/u:********@h/db'"],
    ["URL 'u:TopSecret99@h/db'", "URL 'u:********@h/db'"],
    // No password, nothing to hide.
    ["postgres://u@h:5432/db", "postgres://u@h:5432/db"],
    ["sqlite+aiosqlite:////root/.prefect/prefect.db", "sqlite+aiosqlite:////root/.prefect/prefect.db"],
    ["http://127.0.0.1:4200/api", "http://127.0.0.1:4200/api"],
  ])("maskCredentials(%s)", (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  test("bad URLs are clear errors", () => {
    expect(() => parseDatabaseUrl("mysql://u:p@h/db")).toThrow("Got dialect name 'mysql'");
    expect(() => parseDatabaseUrl("not a url")).toThrow("Could not parse the database URL");
    expect(() => parseDatabaseUrl("postgresql+asyncpg://u:p@h:5432/")).toThrow("names no database");
    expect(() => parseDatabaseUrl("sqlite:///%zz")).toThrow(
      "Could not parse the database URL 'sqlite:///%zz': the path has a '%' not followed by two hex digits (write a literal % as %25).",
    );
  });

  test("no parse error quotes the password", () => {
    for (const url of [
      "postgresql+asyncpg://u:TopSecret99@127.0.0.1:99999/db",
      "postgresql+asyncpg://u:TopSecret99@127.0.0.1:abc/db",
      "postgresql+asyncpg://u:TopSecret99@[::1/db",
      "postgresql+asyncpg://u:TopSecret99@h:5432/",
      "postgresql+asyncpg://u:TopSecret99%zz@h:5432/db",
      "postgresql+asyncpg://u:TopSecret99@h:5432/db%zz",
      "postgresql:/u:TopSecret99@h/db",
      "u:TopSecret99@h/db",
    ]) {
      let message = "";
      try {
        parseDatabaseUrl(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect({ url, threw: message !== "" }).toEqual({ url, threw: true });
      expect(message).not.toContain("TopSecret99");
    }
  });

  test("password placeholders are substituted, URL-encoded", () => {
    expect(applyPassword("postgresql+asyncpg://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", "p@ss/w")).toBe(
      "postgresql+asyncpg://u:p%40ss%2Fw@h/db",
    );
    expect(applyPassword("postgresql+asyncpg://u:${PREFECT_SERVER_DATABASE_PASSWORD}@h/db", "x")).toBe(
      "postgresql+asyncpg://u:x@h/db",
    );
    expect(
      parseDatabaseUrl(applyPassword("postgresql://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", "p@ss")),
    ).toMatchObject({ password: "p@ss" });
    expect(() => applyPassword("postgresql://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", null)).toThrow(
      "database password is None",
    );
    expect(applyPassword("sqlite:///x.db", null)).toBe("sqlite:///x.db");
  });
});
