import { describe, expect, test } from "bun:test";
import { classifyDbError } from "../../src/db/errors.ts";
import { migrateToHead } from "../../src/db/migrator.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { DIALECTS } from "../support/databases.ts";

const NOW = "2026-11-25T00:00:00.000000Z";

describe.each(DIALECTS)("database errors on $name are classified, not 500s", ({ url }) => {
  test("unique and foreign-key violations are conflicts", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    await migrateToHead(db);
    const insertFlow = `INSERT INTO flow (id, created, updated, name) VALUES ('0193f4a8-0000-7000-8000-00000000000a', '${NOW}', '${NOW}', 'dup')`;
    const insertDup = `INSERT INTO flow (id, created, updated, name) VALUES ('0193f4a8-0000-7000-8000-00000000000b', '${NOW}', '${NOW}', 'dup')`;
    const orphan = `INSERT INTO flow_run (id, created, updated, name, flow_id) VALUES ('0193f4a8-0000-7000-8000-00000000000c', '${NOW}', '${NOW}', 'x', '0193f4a8-0000-7000-8000-0000000000ff')`;
    const run = async (q: string) => (db.dialect === "sqlite" ? db.raw.run(q) : db.sql.unsafe(q));
    await run(insertFlow);
    const dup = await Promise.resolve()
      .then(() => run(insertDup))
      .catch((e) => e);
    expect(classifyDbError(dup)?.kind).toBe("conflict");
    const fk = await Promise.resolve()
      .then(() => run(orphan))
      .catch((e) => e);
    expect(classifyDbError(fk)?.kind).toBe("conflict");
    expect(classifyDbError(new Error("something else"))).toBeNull();
    await db.close();
  });
});

test("busy and deadlock codes are retryable (503)", () => {
  expect(classifyDbError({ code: "SQLITE_BUSY" })?.kind).toBe("unavailable");
  expect(classifyDbError({ code: "40P01" })?.kind).toBe("unavailable");
  expect(classifyDbError({ code: "40001" })?.kind).toBe("unavailable");
});

test("a full disk is retryable; a request too large for the database is the client's (422)", () => {
  // PostgreSQL's disk_full and out_of_memory, and what SQLite reports for a full disk.
  for (const code of ["53100", "53200", "SQLITE_FULL", "SQLITE_IOERR_WRITE"])
    expect(classifyDbError({ code })?.kind).toBe("unavailable");
  for (const code of ["54000", "MAX_PARAMETERS_EXCEEDED", "SQLITE_TOOBIG"])
    expect(classifyDbError({ code })?.kind).toBe("invalid");
  expect(classifyDbError({ code: "SQLITE_ERROR", message: "too many SQL variables" })?.kind).toBe("invalid");
  expect(classifyDbError({ code: "SQLITE_ERROR", message: "no such table: x" })).toBeNull();
});

test.if(!!process.env.TEST_PG_URL || !!process.env.CI)(
  "PostgreSQL's own refusals of oversized input are 422s, read from the real errors",
  async () => {
    const { freshPgUrl } = await import("../support/databases.ts");
    const db = await openDatabase(parseDatabaseUrl(await freshPgUrl("errs")));
    if (db.dialect !== "pg") throw new Error("expected PostgreSQL");
    try {
      await db.sql.unsafe("CREATE TABLE t (v text PRIMARY KEY)");
      const random = Buffer.from(crypto.getRandomValues(new Uint8Array(4000))).toString("hex");
      const big = await db.sql.unsafe("INSERT INTO t VALUES ($1)", [random]).catch((e) => e);
      expect(classifyDbError(big)?.kind).toBe("invalid");
      const params = Array.from({ length: 70_000 }, (_, i) => i);
      const many = await db.sql
        .unsafe(`SELECT 1 WHERE 1 IN (${params.map((_, i) => `$${i + 1}`).join(",")})`, params)
        .catch((e) => e);
      expect(classifyDbError(many)?.kind).toBe("invalid");
    } finally {
      await db.close();
    }
  },
);
