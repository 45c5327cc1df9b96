// The Repossessor on SQLite and PostgreSQL: leases left unrenewed past their expiry (150 of them, more
// than one batch) are ended and their slots come back on every limit they held; live leases stay.
import { afterAll, describe, expect, test } from "bun:test";
import { createDriver, exec } from "../../src/db/driver.ts";
import { sql } from "../../src/db/sql-tag.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

for (const dialect of DIALECTS) {
  describe(`Repossessor (${dialect.name})`, () => {
    let close = async () => {};
    afterAll(() => close());

    test("expired leases end and free their slots, in batches; live ones stay", async () => {
      const t = await testApp({}, await dialect.url());
      close = t.close;
      const post = async (path: string, json: unknown) => (await t.call(path, { method: "POST", json })).json() as any;
      const V2 = "/api/v2/concurrency_limits";
      await post(`${V2}/`, { name: "a", limit: 1000 });
      await post(`${V2}/`, { name: "b", limit: 1000 });
      const leases: string[] = [];
      for (let i = 0; i < 151; i++)
        leases.push(
          (await post(`${V2}/increment-with-lease`, { names: ["a", "b"], slots: 1, lease_duration: 60 })).lease_id,
        );
      const live = leases.pop()!;
      await createDriver(t.db).tx(() =>
        exec(sql`UPDATE concurrency_lease SET expiration = ${"2000-01-01T00:00:00.000000Z"} WHERE id <> ${live}`),
      );
      const slots = async (name: string) => ((await (await t.call(`${V2}/${name}`)).json()) as any).active_slots;
      expect(await slots("a")).toBe(151);
      await t.app.services.repossessor.runOnce();
      expect(await slots("a")).toBe(1);
      expect(await slots("b")).toBe(1);
      expect(t.app.services.repossessor.status().detail).toContain("150 expired lease(s) revoked");
      const renew = await t.call(`${V2}/leases/${live}/renew`, { method: "POST", json: {} });
      expect(renew.status).toBe(204);
      expect((await t.call(`${V2}/leases/${leases[0]}/renew`, { method: "POST", json: {} })).status).toBe(410);
    });
  });
}
