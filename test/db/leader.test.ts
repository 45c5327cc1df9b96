// One leader per database (and schema) among servers sharing PostgreSQL, including after the leader's
// lock session is killed under it: postgres.js reconnects silently, and the new session holds no lock.
import { afterEach, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { type Leadership, leadership } from "../../src/db/leader.ts";
import { type DbHandle, openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { freshPgUrl, PG_URL } from "../support/databases.ts";

const LOCK_CLASS = 0x50_4c_54_45; // leader.ts's

const opened: Array<{ db: DbHandle; lead: Leadership }> = [];

afterEach(async () => {
  for (const { db, lead } of opened.splice(0)) {
    await lead.release();
    await db.close();
  }
});

async function server(url: string, name: string): Promise<Leadership> {
  const db = await openDatabase(parseDatabaseUrl(url));
  const lead = leadership(db, name);
  opened.push({ db, lead });
  return lead;
}

const schemaOf = (url: string) => {
  const spec = parseDatabaseUrl(url);
  return spec.dialect === "pg" ? (spec.params.search_path?.split(",")[0] ?? "") : "";
};
const uniqueName = () => `leader-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** The lock session's rows in pg_locks, seen from outside (the two int4 keys: classid, objid, objsubid 2). */
const lockRows = (admin: postgres.Sql, name: string, schema: string) =>
  admin<{ pid: number }[]>`
    SELECT pid FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND classid = ${LOCK_CLASS}::int4::oid
      AND objid = hashtext(${name} || ${schema})::oid AND objsubid = 2`;

async function eventually(f: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await f()) return true;
    await Bun.sleep(100);
  }
  return f();
}

/** A check's answer, or "no answer" after 20 s (leader.ts gives up on its own sooner). */
const settled = <T>(p: Promise<T>) => Promise.race([p, Bun.sleep(20_000).then(() => "no answer" as const)]);

describe.if(!!PG_URL)("leadership on PostgreSQL", () => {
  test("one leader per schema: the standby takes over once the leader releases", async () => {
    const url = await freshPgUrl("lead");
    const name = uniqueName();
    const a = await server(url, name);
    const b = await server(url, name);
    expect(await a.isLeader()).toBe(true);
    expect(await b.isLeader()).toBe(false);
    expect(await a.isLeader()).toBe(true); // a leader's check holds the lock, it does not stack a second one
    expect(await b.isLeader()).toBe(false);
    await a.release();
    expect(await b.isLeader()).toBe(true);
    expect(await b.isLeader()).toBe(true);
  });

  test("two schemas of one database lead each on its own", async () => {
    const name = uniqueName();
    const a = await server(await freshPgUrl("lead"), name);
    const b = await server(await freshPgUrl("lead"), name);
    expect(await a.isLeader()).toBe(true);
    expect(await b.isLeader()).toBe(true);
    expect(await a.isLeader()).toBe(true);
  });

  test("a leader whose lock session is killed stops leading, and the standby takes over: never two", async () => {
    const url = await freshPgUrl("lead");
    const name = uniqueName();
    const schema = schemaOf(url);
    const a = await server(url, name);
    const b = await server(url, name);
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
    try {
      expect(await a.isLeader()).toBe(true);
      expect(await b.isLeader()).toBe(false);
      const [held] = await lockRows(admin, name, schema);
      expect(held).toBeDefined(); // the lock as pg_locks shows it (objsubid 2), from outside
      const killed = await admin`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_locks
        WHERE locktype = 'advisory' AND classid = ${LOCK_CLASS}::int4::oid
          AND objid = hashtext(${name} || ${schema})::oid AND objsubid = 2`;
      expect(killed.map((r) => r.ok)).toEqual([true]);
      // The backend frees its locks as it exits, a moment after the signal.
      expect(await eventually(async () => (await lockRows(admin, name, schema)).length === 0)).toBe(true);
      expect(await settled(b.isLeader())).toBe(true);
      for (let i = 0; i < 5; i++) {
        const [leadsA, leadsB] = [await settled(a.isLeader()), await settled(b.isLeader())];
        expect({ a: leadsA, b: leadsB }).toEqual({ a: false, b: true });
        await Bun.sleep(50);
      }
      // The killed leader, standing by on a new session, takes over once the new leader releases.
      await b.release();
      expect(await a.isLeader()).toBe(true);
    } finally {
      await admin.end();
    }
  });
});

test("SQLite always leads", async () => {
  const lead = await server("sqlite+aiosqlite:///:memory:", "prefect-loop-services");
  expect(await lead.isLeader()).toBe(true);
  expect(await lead.isLeader()).toBe(true);
});
