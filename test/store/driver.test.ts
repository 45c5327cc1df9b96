import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createDriver, row } from "../../src/db/driver.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { raw } from "../../src/store/sql.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("driver on $name", ({ url }) => {
  test("more distinct statements than the statement cache holds still run correctly, early ones again too", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    const driver = createDriver(db);
    const one = (i: number) => driver.read(function* () {
      return ((yield row(sql`SELECT ${raw(String(i))} AS n, ${i} AS p`)) as { n: number; p: number });
    });
    for (let i = 0; i < 700; i++) expect(Number((await one(i)).n)).toBe(i);
    expect(Number((await one(0)).p)).toBe(0);
    expect(Number((await one(699)).p)).toBe(699);
    await db.close();
  });

  test("a failing statement rolls the whole operation back", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    const driver = createDriver(db);
    const { exec } = await import("../../src/db/driver.ts");
    await driver.tx(function* () {
      yield exec(sql`CREATE TABLE t (x INTEGER PRIMARY KEY)`);
    });
    await expect(
      driver.tx(function* () {
        yield exec(sql`INSERT INTO t (x) VALUES (1)`);
        yield exec(sql`INSERT INTO t (x) VALUES (1)`); // duplicate key
      }),
    ).rejects.toThrow();
    const n = await driver.read(function* () {
      return ((yield row(sql`SELECT count(*) AS count FROM t`)) as { count: number }).count;
    });
    expect(Number(n)).toBe(0);
    await db.close();
  });
});
