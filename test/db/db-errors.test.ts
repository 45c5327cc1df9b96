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
