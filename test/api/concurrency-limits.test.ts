// /api/concurrency_limits (tag limits, v1) through app.handle on every dialect: the upsert, reads by id
// and tag, filter, the v1 increment/decrement with its 423s, reset with and without an override, and
// deletes; each a view of the global limit "tag:<tag>".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("tag concurrency limits on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any, headers: r.headers };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});
  const V1 = "/api/concurrency_limits";

  beforeAll(async () => {
    t = await testApp({}, await url());
  });
  afterAll(() => t.close());

  test("create is an upsert over the v2 limit tag:<tag>; read by id and tag; filter lists tag limits only", async () => {
    const made = await post(`${V1}/`, { tag: "db", concurrency_limit: 2 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ tag: "db", concurrency_limit: 2, active_slots: [] });
    const again = await post(`${V1}/`, { tag: "db", concurrency_limit: 1 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: made.body.id, concurrency_limit: 1 });
    expect((await call("GET", `/api/v2/concurrency_limits/tag:db`)).body).toMatchObject({ id: made.body.id, limit: 1 });
    expect((await call("GET", `${V1}/${made.body.id}`)).body.tag).toBe("db");
    expect((await call("GET", `${V1}/tag/db`)).body.id).toBe(made.body.id);
    expect((await call("GET", `${V1}/tag/nope`)).status).toBe(404);
    expect((await call("GET", `${V1}/${crypto.randomUUID()}`)).status).toBe(404);
    await post("/api/v2/concurrency_limits/", { name: "global-only", limit: 1 });
    const global = (await call("GET", "/api/v2/concurrency_limits/global-only")).body;
    expect((await call("GET", `${V1}/${global.id}`)).status).toBe(404);
    expect(((await post(`${V1}/filter`, {})).body as J[]).map((l) => l.tag)).toEqual(["db"]);
    expect((await post(`${V1}/`, { tag: "neg", concurrency_limit: -1 })).status).toBe(422);
  });

  test("v1 increment takes a slot per task run; full and zero limits answer 423; decrement frees", async () => {
    const run1 = crypto.randomUUID();
    const run2 = crypto.randomUUID();
    await post(`${V1}/`, { tag: "one", concurrency_limit: 1 });
    const inc = await post(`${V1}/increment`, { names: ["one", "untracked"], task_run_id: run1 });
    expect(inc.status).toBe(200);
    expect(inc.body).toEqual([{ id: expect.any(String), name: "one", limit: 1 }]);
    expect((await call("GET", `${V1}/tag/one`)).body.active_slots).toEqual([run1]);
    const full = await post(`${V1}/increment`, { names: ["one"], task_run_id: run2 });
    expect(full.status).toBe(423);
    expect(full.body.detail).toBe("Concurrency limit for the one tag has been reached");
    expect(Number(full.headers.get("retry-after"))).toBe(10);
    await post(`${V1}/`, { tag: "zero", concurrency_limit: 0 });
    const zero = await post(`${V1}/increment`, { names: ["zero"], task_run_id: run2 });
    expect(zero.status).toBe(423);
    expect(zero.body.detail).toContain("is 0 and will deadlock");
    const dec = await post(`${V1}/decrement`, { names: ["one"], task_run_id: run1, occupancy_seconds: 1 });
    expect(dec.body).toEqual([{ id: expect.any(String), name: "tag:one", limit: 1 }]);
    expect((await call("GET", `${V1}/tag/one`)).body.active_slots).toEqual([]);
    expect((await call("GET", "/api/v2/concurrency_limits/tag:one")).body.active_slots).toBe(0);
    expect((await post(`${V1}/increment`, { names: ["one"], task_run_id: run2 })).status).toBe(200);
  });

  test("tag leases from increment-with-lease show as active slots; reset ends them or sets an override", async () => {
    await post(`${V1}/`, { tag: "reset-me", concurrency_limit: 3 });
    const holder = { type: "task_run", id: crypto.randomUUID() };
    const l = await post("/api/v2/concurrency_limits/increment-with-lease", {
      names: ["tag:reset-me"],
      slots: 1,
      lease_duration: 60,
      holder,
    });
    expect(l.status).toBe(200);
    expect((await call("GET", `${V1}/tag/reset-me`)).body.active_slots).toEqual([holder.id]);
    expect((await post(`${V1}/tag/reset-me/reset`, {})).status).toBe(200);
    expect((await call("GET", `${V1}/tag/reset-me`)).body.active_slots).toEqual([]);
    expect((await call("GET", "/api/v2/concurrency_limits/tag:reset-me")).body.active_slots).toBe(0);
    expect((await post(`/api/v2/concurrency_limits/leases/${l.body.lease_id}/renew`, {})).status).toBe(410);
    const override = [crypto.randomUUID(), crypto.randomUUID()];
    await post(`${V1}/tag/reset-me/reset`, { slot_override: override });
    expect(((await call("GET", `${V1}/tag/reset-me`)).body.active_slots as string[]).sort()).toEqual(override.sort());
    expect((await call("GET", "/api/v2/concurrency_limits/tag:reset-me")).body.active_slots).toBe(2);
    expect((await post(`${V1}/tag/nope/reset`, {})).status).toBe(404);
  });

  test("REST task runs take their tag slots on RUNNING: full WAITs, 0 ABORTs, leaving RUNNING frees", async () => {
    await post(`${V1}/`, { tag: "rest", concurrency_limit: 1 });
    await post(`${V1}/`, { tag: "never", concurrency_limit: 0 });
    const taskRun = async (key: string, tags: string[]) =>
      (await post("/api/task_runs/", { task_key: key, dynamic_key: "0", tags, state: { type: "PENDING" } })).body
        .id as string;
    const setState = async (id: string, type: string) =>
      (await post(`/api/task_runs/${id}/set_state`, { state: { type }, force: false })).body;
    const [a, b] = [await taskRun("a", ["rest", "free"]), await taskRun("b", ["rest"])];
    expect((await setState(a, "RUNNING")).status).toBe("ACCEPT");
    expect((await call("GET", `${V1}/tag/rest`)).body.active_slots).toEqual([a]);
    const waiting = await setState(b, "RUNNING");
    expect(waiting.status).toBe("WAIT");
    expect(waiting.details.reason).toBe("Concurrency limit reached for tags: rest");
    expect(waiting.details.delay_seconds).toBeGreaterThanOrEqual(0);
    expect((await setState(a, "COMPLETED")).status).toBe("ACCEPT");
    expect((await call("GET", `${V1}/tag/rest`)).body.active_slots).toEqual([]);
    expect((await setState(b, "RUNNING")).status).toBe("ACCEPT");
    const c = await taskRun("c", ["never"]);
    const aborted = await setState(c, "RUNNING");
    expect(aborted.status).toBe("ABORT");
    expect(aborted.details.reason).toContain('tag "never" is 0');
  });

  test("delete by tag and by id", async () => {
    const a = (await post(`${V1}/`, { tag: "del-a", concurrency_limit: 1 })).body;
    await post(`${V1}/`, { tag: "del-b", concurrency_limit: 1 });
    await post(`${V1}/increment`, { names: ["del-a", "del-b"], task_run_id: crypto.randomUUID() });
    expect((await call("DELETE", `${V1}/${a.id}`)).status).toBe(200);
    // The deleted limit's lease ended, and gave back its slot on del-b.
    expect((await call("GET", `${V1}/tag/del-b`)).body.active_slots).toEqual([]);
    expect((await call("GET", "/api/v2/concurrency_limits/tag:del-b")).body.active_slots).toBe(0);
    expect((await call("DELETE", `${V1}/${a.id}`)).status).toBe(404);
    expect((await call("DELETE", `${V1}/tag/del-b`)).status).toBe(200);
    expect((await call("DELETE", `${V1}/tag/del-b`)).status).toBe(404);
  });
});
