import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCheckpointer } from "../../src/db/checkpointer.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";

test("the checkpointer thread moves committed pages into the database file, and the WAL is gone after close", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "pl-ckpt-")), "prefect.db");
  const db = await openDatabase(parseDatabaseUrl(`sqlite+aiosqlite:///${path}`));
  if (db.dialect !== "sqlite") throw new Error("sqlite expected");
  const stop = await startCheckpointer(db);
  // The writer's own automatic checkpoint now waits for 10 000 pages, far more than this writes.
  expect(db.raw.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint).toBe(
    10_000,
  );
  db.raw.run("CREATE TABLE blob (x TEXT)");
  const before = statSync(path).size;
  db.raw.transaction(() => {
    for (let i = 0; i < 500; i++) db.raw.run("INSERT INTO blob (x) VALUES (?)", ["x".repeat(4000)]);
  })();
  expect(statSync(`${path}-wal`).size).toBeGreaterThan(2_000_000);
  // Only the thread can have copied the pages into the file.
  const deadline = Date.now() + 5000;
  while (statSync(path).size < before + 2_000_000 && Date.now() < deadline) await Bun.sleep(50);
  expect(statSync(path).size).toBeGreaterThan(before + 2_000_000);
  await stop();
  expect(db.raw.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint).toBe(
    1000,
  );
  await db.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
});

test("an in-memory database has no checkpointer: SQLite's own checkpoint setting stays", async () => {
  const db = await openDatabase(parseDatabaseUrl("sqlite+aiosqlite:///:memory:"));
  if (db.dialect !== "sqlite") throw new Error("sqlite expected");
  const before = db.raw
    .query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint")
    .get()!.wal_autocheckpoint;
  const stop = await startCheckpointer(db);
  expect(db.raw.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint).toBe(
    before,
  );
  await stop();
  await db.close();
});
