// Input an attacker or a broken client sends: every case answers a 4xx (or 503) with Prefect's body,
// stores nothing, and leaves the server answering. Each case is one of issue 10's reproductions.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../src/core/json-depth.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe.each(DIALECTS)("hostile input on $name", ({ name, url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const post = async (path: string, json: unknown) => {
    const r = await t.call(path, { method: "POST", json });
    return { status: r.status, body: (await r.json()) as J };
  };
  const raw = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    t.call(path, { method: "POST", body, headers });
  const count = async (what: "flows" | "flow_runs" | "task_runs") =>
    (await post(`/api/${what}/count`, {})).body as unknown as number;

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "etl" })).body.id;
  });
  afterAll(() => t.close());

  test("JSON nested deeper than Prefect's parser allows is a 422 before anything parses it", async () => {
    for (const [path, body] of [
      ["/api/logs/", nested(10_000)],
      ["/api/logs/", nested(60_000)],
      ["/api/flow_runs/", `{"flow_id":"${flowId}","parameters":{"a":${nested(100_000)}}}`],
      ["/api/flows/filter", `{"flows":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${"}".repeat(MAX_JSON_DEPTH)}}`],
    ] as const) {
      const r = await raw(path, body);
      expect(r.status).toBe(422);
      const j = (await r.json()) as J;
      expect(j.exception_message).toBe("Invalid request received.");
      expect(j.exception_detail[0]).toMatchObject({ loc: ["body"], type: "json_invalid" });
      expect(j.exception_detail[0].msg).toContain(`nested more than ${MAX_JSON_DEPTH} levels`);
      // The refusal does not echo the body back.
      expect(JSON.stringify(j).length).toBeLessThan(1000);
    }
    expect(await count("flow_runs")).toBe(0);
    // As deep as Prefect allows still works; brackets inside strings do not count.
    const ok = await raw(
      "/api/flow_runs/",
      `{"flow_id":"${flowId}","parameters":{"a":${nested(MAX_JSON_DEPTH - 2)},"s":"${"[".repeat(5000)}"}}`,
    );
    expect(ok.status).toBe(201);
    await t.call(`/api/flow_runs/${((await ok.json()) as J).id}`, { method: "DELETE" });
  });

  test("typed fields are checked on write, so a bad one never breaks a listing", async () => {
    const bad: Array<[string, J]> = [
      ["/api/flows/", { name: "lab", labels: { a: { nested: [1, 2] } } }],
      ["/api/flows/", { name: "lab", labels: [1] }],
      ["/api/flow_runs/", { flow_id: flowId, labels: { a: [1] } }],
      // A key with a line break: t.Record's key pattern does not match it (schemas/common.ts StringMap).
      ["/api/flow_runs/", { flow_id: flowId, labels: { "a\nb": [] } }],
      ["/api/flows/", { name: "lab", labels: { "a\nb": { x: 1 } } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", task_inputs: { "a\nb": "y" } }],
      ["/api/flow_runs/", { flow_id: flowId, empirical_policy: { retries: "many" } }],
      ["/api/flow_runs/", { flow_id: flowId, empirical_policy: { retry_type: "sometimes" } }],
      ["/api/flow_runs/", { flow_id: flowId, empirical_policy: { pause_keys: [1] } }],
      ["/api/flow_runs/", { flow_id: flowId, created_by: { id: "not-a-uuid" } }],
      [
        "/api/task_runs/",
        { task_key: "k", dynamic_key: "0", task_inputs: { x: [{ input_type: "task_run", id: "nope" }] } },
      ],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", task_inputs: { x: "y" } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", task_inputs: { x: [{ input_type: "magic" }] } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", empirical_policy: { retry_delay: "soon" } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", empirical_policy: { retry_delay: Array(51).fill(1) } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", empirical_policy: { retry_jitter_factor: -1 } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", labels: { a: null } }],
      ["/api/task_runs/", { task_key: "k", dynamic_key: "0", cache_expiration: "tomorrow" }],
    ];
    for (const [path, body] of bad) {
      const r = await post(path, body);
      expect({ path, body, status: r.status }).toEqual({ path, body, status: 422 });
      expect(r.body.exception_message).toBe("Invalid request received.");
    }
    expect(await count("flows")).toBe(1);
    expect(await count("flow_runs")).toBe(0);
    expect(await count("task_runs")).toBe(0);
    const run = (await post("/api/flow_runs/", { flow_id: flowId })).body;
    expect((await t.call(`/api/flow_runs/${run.id}/labels`, { method: "PATCH", json: { a: { b: 1 } } })).status).toBe(
      422,
    );
    expect(
      (await t.call(`/api/flow_runs/${run.id}`, { method: "PATCH", json: { empirical_policy: { retries: [1] } } }))
        .status,
    ).toBe(422);
    expect((await t.call(`/api/flows/${flowId}`, { method: "PATCH", json: { labels: { a: {} } } })).status).toBe(422);
    // What the SDK sends passes: scalar labels of every kind, real policies and inputs.
    const good = await post("/api/task_runs/", {
      task_key: "k",
      dynamic_key: "1",
      flow_run_id: run.id,
      labels: { s: "x", i: 1, f: 1.5, b: true },
      empirical_policy: {
        max_retries: 0,
        retry_delay_seconds: 0,
        retries: 2,
        retry_delay: [1, 2.5],
        retry_jitter_factor: null,
      },
      task_inputs: {
        a: [
          { input_type: "task_run", id: run.id },
          { input_type: "parameter", name: "p" },
          { input_type: "constant", type: "int" },
        ],
        __parents__: [],
      },
      cache_expiration: "2030-01-01T00:00:00Z",
    });
    expect(good.status).toBe(201);
    expect(good.body.cache_expiration).toBe("2030-01-01T00:00:00.000000Z");
    await t.call(`/api/flow_runs/${run.id}`, { method: "DELETE" });
  });

  test("offsets and pages past what a database can bind are 422s on every list route", async () => {
    for (const path of ["/api/flows/filter", "/api/flow_runs/filter", "/api/task_runs/filter", "/api/logs/filter"]) {
      for (const body of [{ offset: 1e20 }, { offset: 2 ** 63 }, { offset: -1 }, { offset: 1.5 }]) {
        const r = await post(path, body);
        expect({ path, body, status: r.status }).toEqual({ path, body, status: 422 });
        expect(r.body.exception_detail[0].loc).toEqual(["body", "offset"]);
      }
    }
    for (const path of ["/api/flows/paginate", "/api/flow_runs/paginate", "/api/task_runs/paginate"]) {
      for (const body of [{ page: 1e17 }, { page: 1e20, limit: 1 }]) {
        const r = await post(path, body);
        expect({ path, body, status: r.status }).toEqual({ path, body, status: 422 });
        expect(r.body.exception_detail[0].loc).toEqual(["body", "page"]);
      }
      // The furthest page that still binds is answered, empty.
      expect((await post(path, { page: 2 ** 31, limit: 200 })).status).toBe(200);
    }
  });

  test("a forged events page token is refused, not a 500", async () => {
    const token = (o: J) =>
      encodeURIComponent(Buffer.from(Buffer.from(JSON.stringify(o)).toString("base64")).toString("base64"));
    const filter = { occurred: { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z" } };
    for (const forged of [
      { filter, count: 10, page_size: 50, offset: 1e20 },
      { filter, count: 10, page_size: 1e9, offset: 0 },
      { filter, count: "x", page_size: 50, offset: 0 },
      { filter: { occurred: "nope" }, count: 10, page_size: 50, offset: 0 },
    ]) {
      const r = await t.call(`/api/events/filter/next?page-token=${token(forged)}`);
      expect(r.status).toBe(403);
    }
    expect((await t.call("/api/events/filter/next?page-token=%%%")).status).toBe(403);
  });

  test("intervals too long to step through time are 422s", async () => {
    const h = await post("/api/flow_runs/history", {
      history_start: "2026-01-01T00:00:00Z",
      history_end: "2026-01-02T00:00:00Z",
      history_interval_seconds: 1e30,
    });
    expect(h.status).toBe(422);
    expect(h.body.exception_detail[0].loc).toEqual(["body", "history_interval"]);
    const c = await post("/api/events/count-by/time", { filter: {}, time_unit: "second", time_interval: 1e30 });
    expect(c.status).toBe(422);
    expect(c.body.exception_detail[0].loc).toEqual(["body", "time_interval"]);
    const w = await post("/api/events/count-by/time", { filter: {}, time_unit: "week", time_interval: 1e6 });
    expect(w.status).toBe(422);
  });

  test("a name with a percent sign is looked up once decoded, never twice", async () => {
    expect((await t.call("/api/flows/name/%25")).status).toBe(404);
    expect((await t.call("/api/flows/name/%25zz")).status).toBe(404);
    expect((await t.call("/api/flows/name/etl")).status).toBe(200);
  });

  test("filter operands of the wrong type are 422s, also on /flow_runs/history", async () => {
    const cases: J[] = [
      { flow_runs: { id: { any_: [{ a: 1 }] } } },
      { flow_runs: { id: { eq_: { a: 1 } }, name: { any_: "abc" } } },
      { flows: { name: { any_: [1, 2] } } },
      { work_pool_queues: { name: { any_: "abc" } } },
      { task_runs: { id: { not_any_: { a: 1 } } } },
      { flow_runs: { tags: { all_: "a" } } },
      { flow_runs: { state: { type: { any_: ["NOPE"] } } } },
      { flow_runs: { start_time: { before_: 5 } } },
      { flows: { deployment: { is_null_: "yes" } } },
    ];
    for (const body of cases) {
      for (const path of ["/api/flow_runs/filter", "/api/flows/count", "/api/task_runs/paginate"]) {
        const r = await post(path, body);
        expect({ path, body, status: r.status }).toEqual({ path, body, status: 422 });
      }
      const h = await post("/api/flow_runs/history", {
        ...body,
        history_start: "2026-01-01T00:00:00Z",
        history_end: "2026-01-02T00:00:00Z",
        history_interval_seconds: 3600,
      });
      expect({ body, status: h.status }).toEqual({ body, status: 422 });
    }
    // Prefect has no eq_ on these filters: an unknown key is ignored, as before.
    expect((await post("/api/flow_runs/filter", { flow_runs: { id: { eq_: "x" } } })).status).toBe(200);
  });

  test("lists longer than a statement can bind are 422s; a long one within the limit works", async () => {
    const ids = (n: number) =>
      Array.from({ length: n }, (_, i) => `0192f9d2-4f6b-7c3e-9a10-${i.toString(16).padStart(12, "0")}`);
    const r = await post("/api/flow_runs/filter", { flow_runs: { id: { any_: ids(70_000) } } });
    expect(r.status).toBe(422);
    expect(r.body.exception_detail[0].loc.slice(0, 4)).toEqual(["body", "flow_runs", "id", "any_"]);
    expect(
      (
        await post("/api/flow_runs/count", {
          flow_runs: { id: { any_: ids(5_000), not_any_: ids(5_000) } },
          flows: { id: { any_: ids(5_000) } },
        })
      ).status,
    ).toBe(200);
  });

  test("a name too large for PostgreSQL's index is a 422 there, and stored on SQLite (no such limit)", async () => {
    // Random text does not compress, so PostgreSQL cannot fit it in a btree row (about 2.7 kB at most).
    const random = Buffer.from(crypto.getRandomValues(new Uint8Array(4000))).toString("hex");
    const r = await post("/api/flows/", { name: random });
    expect(r.status).toBe(name === "pg" ? 422 : 201);
    expect(await count("flows")).toBe(name === "pg" ? 1 : 2);
    if (r.status === 201) await t.call(`/api/flows/${r.body.id}`, { method: "DELETE" });
  });

  test("state details are typed as the SDK reads them back", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId })).body;
    const task = (await post("/api/task_runs/", { task_key: "sd", dynamic_key: "0", flow_run_id: run.id })).body;
    for (const details of [
      { child_flow_run_id: "AAA" },
      { deferred: "yes" },
      { run_input_keyset: { a: 1 } },
      { transition_id: 5 },
      { pause_timeout: "later" },
      { cache_key: 7 },
    ]) {
      for (const path of [`/api/flow_runs/${run.id}/set_state`, `/api/task_runs/${task.id}/set_state`]) {
        const r = await post(path, { state: { type: "RUNNING", state_details: details } });
        expect({ path, details, status: r.status }).toEqual({ path, details, status: 422 });
      }
    }
    const states = (await (await t.call(`/api/task_run_states/?task_run_id=${task.id}`)).json()) as J[];
    expect(states.filter((s) => s.type === "RUNNING")).toEqual([]);
    await t.call(`/api/flow_runs/${run.id}`, { method: "DELETE" });
  });

  test("static assets: names that are properties of every object find nothing", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const r = await t.call(`/static/${name}`);
      expect({ name, status: r.status }).toEqual({ name, status: 404 });
    }
    expect((await t.call("/static/app.css")).status).toBe(200);
  });

  test("the server still answers after all of it", async () => {
    expect((await t.call("/api/health")).status).toBe(200);
  });
});

describe("a full disk", async () => {
  const t = await testApp();
  afterAll(() => t.close());

  test("SQLite writes answer 503 with Retry-After (the SDK retries), and work again once there is room", async () => {
    if (t.db.dialect !== "sqlite") throw new Error("expected SQLite");
    const pages = (t.db.raw.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    // The database may not grow past its current size: the next page it needs is a full disk to SQLite.
    t.db.raw.exec(`PRAGMA max_page_count = ${pages}`);
    let refused: Response | null = null;
    for (let i = 0; i < 2000 && !refused; i++) {
      const r = await t.call("/api/flows/", { method: "POST", json: { name: `f-${i}-${"x".repeat(2000)}` } });
      if (r.status !== 201) refused = r;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("retry-after")).toBe("1");
    t.db.raw.exec("PRAGMA max_page_count = 1073741823");
    expect((await t.call("/api/flows/", { method: "POST", json: { name: "after" } })).status).toBe(201);
  });
});

describe("fuzzer findings", async () => {
  const t = await testApp();
  afterAll(() => t.close());
  const post = async (path: string, json: unknown) => (await t.call(path, { method: "POST", json })).status;

  test("log levels past PostgreSQL's integer are 422s on both databases", async () => {
    expect(
      await post("/api/logs/", [{ name: "x", level: 3_000_000_000, message: "m", timestamp: "2026-01-01T00:00:00Z" }]),
    ).toBe(422);
    expect(await post("/api/logs/filter", { logs: { level: { ge_: 3_000_000_000 } } })).toBe(422);
    expect(
      await post("/api/logs/", [{ name: "x", level: 2 ** 31 - 1, message: "m", timestamp: "2026-01-01T00:00:00Z" }]),
    ).toBe(201);
  });

  test("history near the end of time is a 422", async () => {
    const body = {
      history_start: "9999-12-01T00:00:00Z",
      history_end: "9999-12-02T00:00:00Z",
      history_interval_seconds: 86400 * 365,
    };
    expect(await post("/api/flow_runs/history", body)).toBe(422);
  });

  test("what Prefect accepts: a null name on update, an empty task key, null labels, an empty API-version header", async () => {
    const flow = (await (
      await t.call("/api/flows/", { method: "POST", json: { name: "f", labels: null } })
    ).json()) as { id: string; labels: unknown };
    expect(flow.labels).toEqual({});
    const run = (await (
      await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flow.id, name: "keep", labels: null } })
    ).json()) as { id: string };
    expect((await t.call(`/api/flow_runs/${run.id}`, { method: "PATCH", json: { name: null } })).status).toBe(204);
    expect(((await (await t.call(`/api/flow_runs/${run.id}`)).json()) as { name: string }).name).toBe("keep");
    expect(await post("/api/task_runs/", { task_key: "", dynamic_key: "d" })).toBe(201);
    expect(
      (await t.call("/api/flows/count", { method: "POST", json: {}, headers: { "x-prefect-api-version": "" } })).status,
    ).toBe(200);
  });

  test("fields the SDK reads as non-null are refused as null; pause keys are a set", async () => {
    const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "nn" } })).json()) as {
      id: string;
    };
    for (const policy of [{ max_retries: null }, { retry_delay_seconds: null }, { pause_keys: ["a", "a"] }]) {
      expect(await post("/api/flow_runs/", { flow_id: flow.id, empirical_policy: policy })).toBe(422);
    }
    const run = (await (
      await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flow.id, name: "a/b & <c>" } })
    ).json()) as { id: string; name: string };
    // Only flow names exclude / % & > <; a run's name is free text, as in Prefect.
    expect(run.name).toBe("a/b & <c>");
    for (const details of [{ pause_reschedule: null }, { untrackable_result: null }]) {
      expect(
        await post(`/api/flow_runs/${run.id}/set_state`, { state: { type: "RUNNING", state_details: details } }),
      ).toBe(422);
    }
  });

  test("a negative limit names the limit", async () => {
    const r = await t.call("/api/flows/filter", { method: "POST", json: { limit: -643 } });
    expect(r.status).toBe(422);
    const detail = ((await r.json()) as { exception_detail: Array<{ loc: unknown[]; msg: string }> })
      .exception_detail[0];
    expect(detail.loc).toEqual(["body", "limit"]);
    expect(detail.msg).toContain("greater or equal to 0");
  });
});
