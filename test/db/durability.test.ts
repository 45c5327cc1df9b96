// The SQLite durability setting reaches the server's connection and the checkpointer's.
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openConfiguredDatabase } from "../../src/cli/context.ts";
import { startCheckpointer } from "../../src/db/checkpointer.ts";
import { Settings } from "../../src/settings/sources.ts";

// PRAGMA synchronous reads back as a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
const LEVEL = { OFF: 0, NORMAL: 1, FULL: 2, EXTRA: 3 } as const;

async function openWith(env: Record<string, string>) {
  const home = mkdtempSync(join(tmpdir(), "pl-durability-"));
  const db = await openConfiguredDatabase(new Settings({ env: { PREFECT_HOME: home, ...env } }));
  if (db.dialect !== "sqlite") throw new Error("sqlite expected");
  return db;
}

test.each([
  [{}, "FULL"],
  [{ PREFECT_LITE_SQLITE_SYNCHRONOUS: "normal" }, "NORMAL"],
  [{ PREFECT_LITE_SQLITE_SYNCHRONOUS: "OFF" }, "OFF"],
] as const)(
  "synchronous from %o is %s on the server's connection, and the checkpointer thread starts with it",
  async (env, level) => {
    const db = await openWith(env);
    expect(db.raw.query<{ synchronous: number }, []>("PRAGMA synchronous").get()!.synchronous).toBe(LEVEL[level]);
    expect(db.synchronous).toBe(level);
    // The thread opens its connection with the same level; it answering "ready" moves the writer's own
    // checkpoint threshold (startCheckpointer falls back silently otherwise).
    const stop = await startCheckpointer(db);
    expect(
      db.raw.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint,
    ).toBe(10_000);
    await stop();
    await db.close();
  },
);

test("a bad level is refused before the database is opened", async () => {
  await expect(openWith({ PREFECT_LITE_SQLITE_SYNCHRONOUS: "fast" })).rejects.toThrow(
    "Validation error for setting PREFECT_LITE_SQLITE_SYNCHRONOUS",
  );
});
