// The run report routes, on every dialect: POST /flow_runs/lateness (Prefect's average lateness),
// POST /flow_runs/bulk_set_state (each run through the rules, per-run results), GET
// /flow_runs/{id}/logs/download (CSV as Prefect writes it) and POST /task_runs/history.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addSeconds, nowTimestamp } from "../../src/core/time.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("run reports on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: r.status, body, headers: r.headers };
  };
  const newRun = async (state: Record<string, unknown>, tags: string[] = []) =>
    (await call("POST", "/api/flow_runs/", { flow_id: flowId, state, tags })).body;

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await call("POST", "/api/flows/", { name: "reports" })).body.id;
  });
  afterAll(() => t.close());

  test("lateness averages late starts and the wait of late runs not started; null when nothing matches", async () => {
    const tag = `late-${crypto.randomUUID().slice(0, 8)}`;
    const due = addSeconds(nowTimestamp(), -100);
    // Scheduled 100 s ago, never started: ~100 s late.
    await newRun({ type: "SCHEDULED", state_details: { scheduled_time: due } }, [tag]);
    // Started on time (no expected start before its start): 0.
    await newRun({ type: "RUNNING" }, [tag]);
    const r = await call("POST", "/api/flow_runs/lateness", { flow_runs: { tags: { all_: [tag] } } });
    expect(r.status).toBe(200);
    expect(r.body).toBeGreaterThan(45);
    expect(r.body).toBeLessThan(60);
    const none = await call("POST", "/api/flow_runs/lateness", { flow_runs: { tags: { all_: ["no-such-tag"] } } });
    expect(none.body).toBeNull();
    expect((await call("POST", "/api/flow_runs/lateness", { flow_runs: { tags: 5 } })).status).toBe(422);
  });

  test("bulk_set_state runs each matching run through the rules and answers per run", async () => {
    const tag = `bulk-${crypto.randomUUID().slice(0, 8)}`;
    const a = await newRun({ type: "RUNNING" }, [tag]);
    const b = await newRun({ type: "COMPLETED" }, [tag]);
    const r = await call("POST", "/api/flow_runs/bulk_set_state", {
      flow_runs: { tags: { all_: [tag] } },
      state: { type: "CANCELLED", message: "bulk" },
    });
    expect(r.status).toBe(200);
    const byId = new Map(r.body.results.map((x: any) => [x.flow_run_id, x]));
    expect(byId.size).toBe(2);
    expect((byId.get(a.id) as any).status).toBe("ACCEPT");
    expect((byId.get(a.id) as any).state.type).toBe("CANCELLED");
    // Through the rules: a finished run cannot go to Cancelling (Prefect's terminal-state rule).
    const again = await call("POST", "/api/flow_runs/bulk_set_state", {
      flow_runs: { id: { any_: [a.id] } },
      state: { type: "CANCELLING" },
    });
    expect(again.body.results[0]).toMatchObject({
      status: "ABORT",
      details: { reason: "Run is already in terminal state CANCELLED." },
    });
    expect((await call("GET", `/api/flow_runs/${a.id}`)).body.state.type).toBe("CANCELLED");
    const forced = await call("POST", "/api/flow_runs/bulk_set_state", {
      flow_runs: { id: { any_: [b.id] } },
      state: { type: "CANCELLED" },
      force: true,
    });
    expect(forced.body.results).toMatchObject([{ flow_run_id: b.id, status: "ACCEPT" }]);
    const empty = await call("POST", "/api/flow_runs/bulk_set_state", {
      flow_runs: { tags: { all_: ["no-such-tag"] } },
      state: { type: "CANCELLED" },
    });
    expect(empty.body).toEqual({ results: [] });
    for (const bad of [{}, { state: { type: "NOPE" } }, { state: { type: "CANCELLED" }, limit: 51 }]) {
      expect((await call("POST", "/api/flow_runs/bulk_set_state", bad)).status).toBe(422);
    }
  });

  test("logs download is Prefect's CSV, oldest first, with quoting where needed", async () => {
    const run = await newRun({ type: "RUNNING" });
    const at = (s: number) => addSeconds("2026-01-01T00:00:00.000000Z", s);
    const logs = [
      { name: "x", level: 20, message: "plain", timestamp: at(2), flow_run_id: run.id },
      { name: "x", level: 40, message: 'has "quotes", commas\nand lines', timestamp: at(1), flow_run_id: run.id },
    ];
    expect((await call("POST", "/api/logs/", logs)).status).toBe(201);
    const r = await t.call(`/api/flow_runs/${run.id}/logs/download`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toStartWith("text/csv");
    expect(r.headers.get("content-disposition")).toBe(
      `attachment; filename=${encodeURIComponent(`${run.name}-logs.csv`)}`,
    );
    expect(await r.text()).toBe(
      "timestamp,level,flow_run_id,task_run_id,message\r\n" +
        `2026-01-01 00:00:01.000000+00:00,40,${run.id},,"has ""quotes"", commas\nand lines"\r\n` +
        `2026-01-01 00:00:02.000000+00:00,20,${run.id},,plain\r\n`,
    );
    expect((await call("GET", `/api/flow_runs/${crypto.randomUUID()}/logs/download`)).status).toBe(404);
  });

  test("task run history buckets task runs by expected start", async () => {
    const flowRun = await newRun({ type: "RUNNING" });
    const start = addSeconds(nowTimestamp(), -60);
    for (const key of ["a", "b"]) {
      await call("POST", "/api/task_runs/", {
        flow_run_id: flowRun.id,
        task_key: key,
        dynamic_key: "0",
        state: { type: "RUNNING" },
      });
    }
    const r = await call("POST", "/api/task_runs/history", {
      history_start: start,
      history_end: addSeconds(nowTimestamp(), 60),
      history_interval_seconds: 60,
      flow_runs: { id: { any_: [flowRun.id] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThanOrEqual(2);
    const counted = r.body.flatMap((b: any) => b.states).reduce((n: number, s: any) => n + s.count_runs, 0);
    expect(counted).toBe(2);
    const bad = await call("POST", "/api/task_runs/history", {
      history_start: start,
      history_end: start,
      history_interval_seconds: 0.5,
    });
    expect(bad.status).toBe(422);
  });
});
