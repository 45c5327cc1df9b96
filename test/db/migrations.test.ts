import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTableConfig as liteConfig } from "drizzle-orm/sqlite-core";
import { getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import postgres from "postgres";
import {
  applyDown,
  applyUp,
  migrateToHead,
  migrationStatus,
  planDowngrade,
  planUpgrade,
  resetDatabase,
} from "../../src/db/migrator.ts";
import { openDatabase, type DbHandle } from "../../src/db/open.ts";
import { revisionsFor } from "../../src/db/revisions.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import * as liteSchema from "../../src/db/schema/sqlite.ts";
import * as pgSchema from "../../src/db/schema/pg.ts";
import { DIALECTS, freshPgUrl, PG_URL } from "../support/databases.ts";

async function tables(db: DbHandle): Promise<string[]> {
  if (db.dialect === "sqlite") {
    return db.raw
      .query<{ name: string }, []>(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
  }
  const rows = await db.sql<
    { table_name: string }[]
  >`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`;
  return rows.map((r) => r.table_name);
}

async function exec(db: DbHandle, q: string): Promise<unknown[]> {
  if (db.dialect === "sqlite") return db.raw.query(q).all();
  return [...(await db.sql.unsafe(q))];
}

// The chain both dialects share; tests follow its head rather than naming it.
const REVISIONS = revisionsFor("sqlite");
const label = (r: { id: string; name: string }) => `${r.id}_${r.name}`;
const HEAD = label(REVISIONS.at(-1)!);

const NOW = "2026-11-25T00:00:00.000000Z";
const FLOW_ID = "0193f4a8-0000-7000-8000-000000000001";

describe.each(DIALECTS)("migrations on $name", ({ name, url }) => {
  test("upgrade → downgrade to 0001 → upgrade keeps data; downgrade base → upgrade gives an empty head", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    try {
      const first = await migrationStatus(db);
      expect(first.current).toBeNull();
      expect(first.pending.map((r) => r.id)).toEqual(REVISIONS.map((r) => r.id));
      expect(revisionsFor("pg").map(label)).toEqual(REVISIONS.map(label));

      await migrateToHead(db);
      expect((await migrationStatus(db)).current).toBe(HEAD);
      expect(await tables(db)).toEqual(
        expect.arrayContaining([
          "flow",
          "flow_run",
          "flow_run_state",
          "task_run",
          "task_run_state",
          "log",
          "events",
          "event_resources",
        ]),
      );

      await exec(db, `INSERT INTO flow (id, created, updated, name) VALUES ('${FLOW_ID}', '${NOW}', '${NOW}', 'kept')`);

      expect(planDowngrade(await migrationStatus(db), "-1").map((r) => r.id)).toEqual([REVISIONS.at(-1)!.id]);
      const down = planDowngrade(await migrationStatus(db), "0001");
      expect(down.map((r) => r.id)).toEqual(
        REVISIONS.slice(1)
          .reverse()
          .map((r) => r.id),
      );
      await applyDown(db, down);
      expect((await migrationStatus(db)).current).toBe("0001_core");
      expect(await tables(db)).not.toContain("events");

      await applyUp(db, planUpgrade(await migrationStatus(db), "head"));
      expect(await tables(db)).toContain("events");
      const rows = (await exec(db, "SELECT name FROM flow")) as Array<{ name: string }>;
      expect(rows.map((r) => r.name)).toEqual(["kept"]);

      await applyDown(db, planDowngrade(await migrationStatus(db), "base"));
      expect((await migrationStatus(db)).current).toBeNull();
      expect(await tables(db)).toEqual(["prefect_lite_migrations"]);

      await applyUp(db, planUpgrade(await migrationStatus(db)));
      expect((await migrationStatus(db)).current).toBe(HEAD);
      expect(await exec(db, "SELECT * FROM flow")).toEqual([]);
    } finally {
      await db.close();
    }
  });

  test("targets: -1 at base, an id, +1, an unknown id", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    try {
      expect(() => planDowngrade({ current: null, applied: [], pending: [], all: [] }, "-1")).toThrow(
        "Nothing to downgrade",
      );
      await applyUp(db, planUpgrade(await migrationStatus(db), "+1"));
      expect((await migrationStatus(db)).current).toBe("0001_core");
      await applyUp(db, planUpgrade(await migrationStatus(db), "0002"));
      expect(planDowngrade(await migrationStatus(db), "0001").map((r) => r.id)).toEqual(["0002"]);
      expect(planUpgrade(await migrationStatus(db)).map((r) => r.id)).toEqual(REVISIONS.slice(2).map((r) => r.id));
      expect(planDowngrade(await migrationStatus(db), "0002")).toEqual([]);
      const status = await migrationStatus(db);
      expect(() => planUpgrade(status, "9999")).toThrow("Unknown revision '9999'");
      expect(() => planDowngrade(status, "nope")).toThrow("Unknown revision 'nope'");
      expect(() => planDowngrade(status, "-3")).toThrow("below base");
      expect(planUpgrade(status, "head").map((r) => r.id)).toEqual(REVISIONS.slice(2).map((r) => r.id));
    } finally {
      await db.close();
    }
  });

  test("reset leaves an empty database at head", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    try {
      await migrateToHead(db);
      await exec(db, `INSERT INTO flow (id, created, updated, name) VALUES ('${FLOW_ID}', '${NOW}', '${NOW}', 'gone')`);
      await resetDatabase(db);
      expect(await exec(db, "SELECT * FROM flow")).toEqual([]);
      expect((await migrationStatus(db)).current).toBe(HEAD);
    } finally {
      await db.close();
    }
  });

  test("the drizzle schema matches what the migrations create (columns and indexes)", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    try {
      await migrateToHead(db);
      const schema = name === "sqlite" ? liteSchema : pgSchema;
      for (const table of Object.values(schema)) {
        const cfg = name === "sqlite" ? liteConfig(table as never) : pgConfig(table as never);
        const expected = cfg.columns.map((c) => c.name).sort();
        let actual: string[];
        if (db.dialect === "sqlite") {
          actual = db.raw
            .query<{ name: string }, []>(`PRAGMA table_info(${cfg.name})`)
            .all()
            .map((r) => r.name)
            .sort();
        } else {
          actual = (
            await db.sql<
              { column_name: string }[]
            >`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${cfg.name}`
          )
            .map((r) => r.column_name)
            .sort();
        }
        expect({ table: cfg.name, columns: actual }).toEqual({ table: cfg.name, columns: expected });
        const expectedIndexes = cfg.indexes.map((i) => String(i.config.name)).sort();
        const actualIndexes =
          db.dialect === "sqlite"
            ? db.raw
                .query<{ name: string }, []>(
                  `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '${cfg.name}' AND name NOT LIKE 'sqlite_autoindex%'`,
                )
                .all()
                .map((r) => r.name)
            : (
                await db.sql<
                  { indexname: string }[]
                >`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ${cfg.name} AND indexname NOT LIKE '%_pkey'`
              ).map((r) => r.indexname);
        // ix_/uq_ are ours; unique constraints' own indexes and PostgreSQL's trigram search indexes are not in the schema.
        expect({ table: cfg.name, indexes: actualIndexes.filter((n) => /^(ix|uq)_/.test(n)).sort() }).toEqual({
          table: cfg.name,
          indexes: expectedIndexes,
        });
      }
    } finally {
      await db.close();
    }
  });
});

describe("foreign and newer databases are refused untouched", () => {
  test("a Prefect SQLite database (alembic_version) keeps its bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-foreign-"));
    const path = join(dir, "prefect.db");
    const foreign = new Database(path, { create: true });
    foreign.run("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)");
    foreign.run("INSERT INTO alembic_version VALUES ('9725c1cbee35')");
    foreign.run("CREATE TABLE flow (id CHAR(36) PRIMARY KEY, name TEXT)");
    foreign.close();
    const before = readFileSync(path);
    await expect(openDatabase(parseDatabaseUrl(`sqlite+aiosqlite:///${path}`))).rejects.toThrow("alembic_version");
    expect(Buffer.compare(readFileSync(path), before)).toBe(0);
  });

  test("a SQLite database with unknown tables is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-foreign-"));
    const path = join(dir, "other.db");
    const foreign = new Database(path, { create: true });
    foreign.run("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
    foreign.close();
    const before = readFileSync(path);
    await expect(openDatabase(parseDatabaseUrl(`sqlite:///${path}`))).rejects.toThrow("customers");
    expect(Buffer.compare(readFileSync(path), before)).toBe(0);
  });

  test("a database migrated by a newer prefect-lite is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-newer-"));
    const path = join(dir, "prefect.db");
    const db = await openDatabase(parseDatabaseUrl(`sqlite:///${path}`));
    await migrateToHead(db);
    if (db.dialect === "sqlite") db.raw.run("INSERT INTO prefect_lite_migrations VALUES ('9999', 'future', 'x')");
    await db.close();
    await expect(openDatabase(parseDatabaseUrl(`sqlite:///${path}`))).rejects.toThrow("newer prefect-lite");
  });

  test.if(!!PG_URL)("a Prefect PostgreSQL schema (alembic_version) is refused and unchanged", async () => {
    const url = await freshPgUrl("foreign");
    const spec = parseDatabaseUrl(url);
    if (spec.dialect !== "pg") throw new Error("expected pg");
    const schema = spec.params.search_path.split(",")[0];
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(
      `CREATE TABLE ${schema}.alembic_version (version_num varchar(32) primary key); INSERT INTO ${schema}.alembic_version VALUES ('25f4b90a7a42')`,
    );
    await expect(openDatabase(spec)).rejects.toThrow("alembic_version");
    const left = await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema}`;
    expect(left.map((r) => r.table_name)).toEqual(["alembic_version"]);
    await sql.end();
  });
});
