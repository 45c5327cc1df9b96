import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { applyPassword, maskPassword, parseDatabaseUrl } from "../../src/db/url.ts";

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
    ["postgresql+asyncpg://user:pa%40ss@db.example:6543/prefect", { host: "db.example", port: 6543, user: "user", password: "pa@ss", database: "prefect" }],
    ["postgresql://user:pass@localhost/prefect", { host: "localhost", port: 5432, user: "user", password: "pass", database: "prefect" }],
    ["postgres://u@127.0.0.1:5433/x?sslmode=require", { host: "127.0.0.1", port: 5433, user: "u", password: "", database: "x", params: { sslmode: "require" } }],
    ["postgresql+asyncpg://u:p@/db?host=/var/run/postgresql", { host: "/var/run/postgresql", database: "db" }],
  ])("%s", (url, expected) => {
    expect(parseDatabaseUrl(url)).toMatchObject({ dialect: "pg", ...expected });
  });

  test("the display form hides the password", () => {
    const spec = parseDatabaseUrl("postgresql+asyncpg://user:secret@h:5432/db");
    expect(spec.display).toBe("postgresql://user:***@h:5432/db");
    expect(spec.display).not.toContain("secret");
    expect(maskPassword("postgresql+asyncpg://user:secret@h/db")).toBe("postgresql+asyncpg://user:***@h/db");
  });

  test("bad URLs are clear errors", () => {
    expect(() => parseDatabaseUrl("mysql://u:p@h/db")).toThrow("Got dialect name 'mysql'");
    expect(() => parseDatabaseUrl("not a url")).toThrow("Could not parse the database URL");
    expect(() => parseDatabaseUrl("postgresql+asyncpg://u:p@h:5432/")).toThrow("names no database");
  });

  test("password placeholders are substituted, URL-encoded", () => {
    expect(applyPassword("postgresql+asyncpg://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", "p@ss/w")).toBe("postgresql+asyncpg://u:p%40ss%2Fw@h/db");
    expect(applyPassword("postgresql+asyncpg://u:${PREFECT_SERVER_DATABASE_PASSWORD}@h/db", "x")).toBe("postgresql+asyncpg://u:x@h/db");
    expect(parseDatabaseUrl(applyPassword("postgresql://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", "p@ss"))).toMatchObject({ password: "p@ss" });
    expect(() => applyPassword("postgresql://u:${PREFECT_API_DATABASE_PASSWORD}@h/db", null)).toThrow("database password is None");
    expect(applyPassword("sqlite:///x.db", null)).toBe("sqlite:///x.db");
  });
});
