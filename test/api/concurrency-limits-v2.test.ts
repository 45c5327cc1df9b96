// /api/v2/concurrency_limits through app.handle on every dialect: limits and their refusals, slots with
// and without leases, 423 with Retry-After, renewal and 410, rate limits decaying, the repossessor's pass,
// leases surviving a new app over the same database, and 64 clients contending for a limit of 5.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDriver, exec } from "../../src/db/driver.ts";
import { sql } from "../../src/db/sql-tag.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;
/** CONCURRENCY_CONTENTION_SECONDS: how long the 64 clients contend (the 30 s on demand). */
const CONTENTION_SECONDS = Number(process.env.CONCURRENCY_CONTENTION_SECONDS ?? 4);

describe.each(DIALECTS)("global concurrency limits on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let dbUrl: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any, headers: r.headers };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const V2 = "/api/v2/concurrency_limits";
  const lease = (names: string[], extra: J = {}) =>
    post(`${V2}/increment-with-lease`, { names, slots: 1, mode: "concurrency", lease_duration: 60, ...extra });

  beforeAll(async () => {
    dbUrl = await url();
    t = await testApp({}, dbUrl);
  });
  afterAll(() => t.close());

  test("create, read by id and name, filter, update, delete; duplicates and bad input refused", async () => {
    const made = await post(`${V2}/`, { name: "db", limit: 3 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: "db",
      limit: 3,
      active: true,
      active_slots: 0,
      denied_slots: 0,
      slot_decay_per_second: 0,
      avg_slot_occupancy_seconds: 2,
    });
    expect(made.body.created).toMatch(/\.\d{6}Z$/);
    expect((await post(`${V2}/`, { name: "db", limit: 1 })).status).toBe(409);
    expect((await post(`${V2}/`, { name: "a/b", limit: 1 })).status).toBe(422);
    expect((await post(`${V2}/`, { name: "neg", limit: -1 })).status).toBe(422);
    expect((await post(`${V2}/`, { limit: 1 })).status).toBe(422);
    const byId = await call("GET", `${V2}/${made.body.id}`);
    expect(byId.body).toEqual({
      id: made.body.id,
      created: made.body.created,
      updated: made.body.updated,
      active: true,
      name: "db",
      limit: 3,
      active_slots: 0,
      slot_decay_per_second: 0,
    });
    expect((await call("GET", `${V2}/db`)).body.id).toBe(made.body.id);
    expect((await call("GET", `${V2}/nope`)).status).toBe(404);
    expect((await call("PATCH", `${V2}/db`, { limit: 4, active: false })).status).toBe(204);
    expect((await call("GET", `${V2}/db`)).body).toMatchObject({ limit: 4, active: false });
    expect((await call("PATCH", `${V2}/nope`, { limit: 4 })).status).toBe(404);
    await post(`${V2}/`, { name: "api", limit: 1 });
    expect(
      ((await post(`${V2}/filter`, {})).body as J[]).map((l) => l.name).filter((n) => n === "api" || n === "db"),
    ).toEqual(["api", "db"]);
    expect((await post(`${V2}/filter`, { limit: 1, offset: 0 })).body).toHaveLength(1);
    expect((await call("DELETE", `${V2}/api`)).status).toBe(204);
    expect((await call("DELETE", `${V2}/api`)).status).toBe(404);
    expect((await call("DELETE", `${V2}/${made.body.id}`)).status).toBe(204);
  });

  test("leases take slots all or nothing; full answers 423 with Retry-After; release frees", async () => {
    await post(`${V2}/`, { name: "l-a", limit: 2 });
    await post(`${V2}/`, { name: "l-b", limit: 1 });
    const holder = { type: "task_run" as const, id: crypto.randomUUID() };
    const first = await lease(["l-a", "l-b"], { holder });
    expect(first.status).toBe(200);
    expect(first.body.limits.map((l: J) => l.name).sort()).toEqual(["l-a", "l-b"]);
    const denied = await lease(["l-a", "l-b"]);
    expect(denied.status).toBe(423);
    expect(Number.parseFloat(denied.headers.get("retry-after")!)).toBeGreaterThanOrEqual(0);
    // All or nothing: l-a was not taken by the denied request.
    expect((await call("GET", `${V2}/l-a`)).body.active_slots).toBe(1);
    expect((await call("GET", `${V2}/l-b`)).body.active_slots).toBe(1);
    const holders = await t.app.stores.concurrencyLimitsV2.holders([first.body.limits[0].id]);
    expect([...holders.values()][0]!.map((h) => h.holder)).toEqual([holder]);
    expect((await lease(["l-a"], { slots: 3 })).status).toBe(422);
    expect((await post(`${V2}/decrement-with-lease`, { lease_id: first.body.lease_id })).status).toBe(204);
    expect((await call("GET", `${V2}/l-b`)).body.active_slots).toBe(0);
    // A second release of the same lease changes nothing.
    expect((await post(`${V2}/decrement-with-lease`, { lease_id: first.body.lease_id })).status).toBe(204);
    expect((await call("GET", `${V2}/l-a`)).body.active_slots).toBe(0);
    const none = await lease(["no-such-limit"]);
    expect(none.body.limits).toEqual([]);
    expect((await post(`${V2}/increment-with-lease`, { names: [], slots: 1 })).status).toBe(422);
    expect((await post(`${V2}/increment-with-lease`, { names: ["x"], slots: 0 })).status).toBe(422);
    expect((await post(`${V2}/increment-with-lease`, { names: ["x"], slots: 1, lease_duration: 5 })).status).toBe(422);
  });

  test("renew extends a live lease; an unknown or expired one is 410", async () => {
    await post(`${V2}/`, { name: "renew", limit: 1 });
    const l = await lease(["renew"]);
    expect((await post(`${V2}/leases/${l.body.lease_id}/renew`, { lease_duration: 120 })).status).toBe(204);
    expect((await post(`${V2}/leases/${crypto.randomUUID()}/renew`, {})).status).toBe(410);
    await expire(l.body.lease_id);
    expect((await post(`${V2}/leases/${l.body.lease_id}/renew`, {})).status).toBe(410);
    // The repossessor frees the expired lease's slot.
    expect((await call("GET", `${V2}/renew`)).body.active_slots).toBe(1);
    expect(await t.app.stores.concurrencyLimitsV2.repossess()).toBeGreaterThanOrEqual(1);
    expect((await call("GET", `${V2}/renew`)).body.active_slots).toBe(0);
    expect((await lease(["renew"])).status).toBe(200);
  });

  test("leases live in the database: a new app over it renews and releases them", async () => {
    if (dbUrl.includes(":memory:")) return; // an in-memory SQLite database ends with its app
    await post(`${V2}/`, { name: "restart", limit: 1 });
    const l = await lease(["restart"]);
    const again = await testApp({}, dbUrl);
    try {
      const r = await again.call(`${V2}/leases/${l.body.lease_id}/renew`, { method: "POST", json: {} });
      expect(r.status).toBe(204);
      await again.call(`${V2}/decrement-with-lease`, { method: "POST", json: { lease_id: l.body.lease_id } });
      expect(((await (await again.call(`${V2}/restart`)).json()) as J).active_slots).toBe(0);
    } finally {
      await again.close();
    }
  });

  test("increment/decrement by name, and rate limits that decay", async () => {
    await post(`${V2}/`, { name: "plain", limit: 1 });
    const inc = await post(`${V2}/increment`, { names: ["plain"], slots: 1 });
    expect(inc.status).toBe(200);
    expect(inc.body).toEqual([{ id: expect.any(String), name: "plain", limit: 1 }]);
    expect((await post(`${V2}/increment`, { names: ["plain"], slots: 1 })).status).toBe(423);
    expect((await post(`${V2}/increment`, { names: ["plain"], slots: 1, mode: "rate_limit" })).status).toBe(422);
    expect((await post(`${V2}/decrement`, { names: ["plain"], slots: 1, occupancy_seconds: 1.5 })).body).toHaveLength(
      1,
    );
    expect((await call("GET", `${V2}/plain`)).body.active_slots).toBe(0);
    expect((await post(`${V2}/decrement`, { names: ["nothing"], slots: 1 })).body).toEqual([]);

    await post(`${V2}/`, { name: "rate", limit: 2, slot_decay_per_second: 10 });
    const start = performance.now();
    let granted = 0;
    while (performance.now() - start < 1000) {
      const r = await post(`${V2}/increment`, { names: ["rate"], slots: 1, mode: "rate_limit" });
      if (r.status === 200) granted++;
      else {
        expect(r.status).toBe(423);
        const after = Number.parseFloat(r.headers.get("retry-after")!);
        expect(after).toBeGreaterThan(0);
        await Bun.sleep(Math.min(after * 1000, 20));
      }
    }
    // 2 at once, then 10 a second: about 12 in one second, never much more.
    expect(granted).toBeGreaterThanOrEqual(8);
    expect(granted).toBeLessThanOrEqual(13);
  });

  test(`64 clients contending for a limit of 5 never hold more than 5 (${CONTENTION_SECONDS}s)`, async () => {
    const made = await post(`${V2}/`, { name: "contended", limit: 5 });
    const limitId = made.body.id as string;
    const deadline = performance.now() + CONTENTION_SECONDS * 1000;
    let held = 0;
    let maxHeld = 0;
    let maxHolders = 0;
    let maxCounter = 0;
    let grants = 0;
    let denials = 0;
    const client = async () => {
      while (performance.now() < deadline) {
        const r = await lease(["contended"], { holder: { type: "task_run", id: crypto.randomUUID() } });
        if (r.status === 423) {
          denials++;
          await Bun.sleep(Math.random() * 5);
          continue;
        }
        expect(r.status).toBe(200);
        grants++;
        maxHeld = Math.max(maxHeld, ++held);
        await Bun.sleep(Math.random() * 3);
        held--;
        const done = await post(`${V2}/decrement-with-lease`, { lease_id: r.body.lease_id });
        expect(done.status).toBe(204);
      }
    };
    const watch = async () => {
      while (performance.now() < deadline) {
        const holders = (await t.app.stores.concurrencyLimitsV2.holders([limitId])).get(limitId)!;
        maxHolders = Math.max(
          maxHolders,
          holders.reduce((n, h) => n + h.slots, 0),
        );
        maxCounter = Math.max(maxCounter, (await call("GET", `${V2}/${limitId}`)).body.active_slots);
        await Bun.sleep(2);
      }
    };
    await Promise.all([...Array.from({ length: 64 }, client), watch()]);
    console.log(`contention: ${grants} grants, ${denials} denials, max held ${maxHeld}, max holders ${maxHolders}`);
    expect(grants).toBeGreaterThan(50);
    expect(maxHeld).toBeLessThanOrEqual(5);
    expect(maxHolders).toBeLessThanOrEqual(5);
    expect(maxCounter).toBeLessThanOrEqual(5);
    expect(maxHolders).toBeGreaterThan(0);
    const after = (await call("GET", `${V2}/${limitId}`)).body;
    expect(after.active_slots).toBe(0);
    expect((await t.app.stores.concurrencyLimitsV2.holders([limitId])).get(limitId)).toEqual([]);
  }, 60_000);

  /** Moves a lease's expiry into the past, as time passing would. */
  async function expire(leaseId: string) {
    await createDriver(t.db).tx(() =>
      exec(sql`UPDATE concurrency_lease SET expiration = ${"2000-01-01T00:00:00.000000Z"} WHERE id = ${leaseId}`),
    );
  }
});
