import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DIALECTS } from "../support/databases.ts";
import { eventsApp, type EventsApp } from "../support/events-app.ts";

describe.each(DIALECTS)("/api/logs on $name", ({ url }) => {
  let t: EventsApp;
  const flowRun = Bun.randomUUIDv7();
  beforeAll(async () => {
    t = await eventsApp(await url());
  });
  afterAll(() => t.close());

  const filter = async (body: unknown) => {
    const r = await t.call("/api/logs/filter", { method: "POST", json: body });
    return { status: r.status, body: (await r.json()) as any };
  };
  const byRun = (id: string) => ({
    logs: {
      operator: "and_",
      level: null,
      timestamp: null,
      flow_run_id: { any_: [id] },
      task_run_id: null,
      text: null,
    },
  });

  test("POST /logs/ answers 201 with a null body; timestamps are normalised", async () => {
    const logs = Array.from({ length: 7 }, (_, i) => ({
      name: "prefect.flow_runs",
      level: 20,
      message: `Beginning flow run ${i}`,
      timestamp: "2026-11-25T00:48:31.9+00:00",
      flow_run_id: flowRun,
      task_run_id: null,
    }));
    const r = await t.call("/api/logs/", { method: "POST", json: logs });
    expect(r.status).toBe(201);
    expect(await r.text()).toBe("null");
    const { body } = await filter({ ...byRun(flowRun), limit: null, offset: 0, sort: "TIMESTAMP_ASC" });
    expect(body.length).toBe(7);
    expect(body[0]).toMatchObject({
      name: "prefect.flow_runs",
      level: 20,
      message: "Beginning flow run 0",
      timestamp: "2026-11-25T00:48:31.900000Z",
      flow_run_id: flowRun,
      task_run_id: null,
    });
    expect(body.map((l: { message: string }) => l.message)).toEqual(logs.map((l) => l.message));
  });

  test("the CLI's paging: limit null, then the first page's length, until a short page", async () => {
    // Mirrors `prefect flow-run logs` (notes §5): the first call has "limit": null.
    const first = await filter({ ...byRun(flowRun), limit: null, offset: 0, sort: "TIMESTAMP_ASC" });
    const second = await filter({
      ...byRun(flowRun),
      limit: first.body.length,
      offset: first.body.length,
      sort: "TIMESTAMP_ASC",
    });
    expect(first.body.length).toBe(7);
    expect(second).toEqual({ status: 200, body: [] });
  });

  test.each([
    ["not an array", { name: "x" }],
    ["missing message", [{ name: "x", level: 20, timestamp: "2026-01-01T00:00:00Z" }]],
    ["level not an int", [{ name: "x", level: "INFO", message: "m", timestamp: "2026-01-01T00:00:00Z" }]],
    ["bad timestamp", [{ name: "x", level: 20, message: "m", timestamp: "yesterday" }]],
    [
      "bad flow run id",
      [{ name: "x", level: 20, message: "m", timestamp: "2026-01-01T00:00:00Z", flow_run_id: "nope" }],
    ],
  ])("bad input (%s) → 422 and nothing stored", async (_name, body) => {
    const run = Bun.randomUUIDv7();
    // A valid log first: the whole batch must be refused.
    const batch = Array.isArray(body)
      ? [{ name: "ok", level: 20, message: "ok", timestamp: "2026-01-01T00:00:00Z", flow_run_id: run }, ...body]
      : body;
    const r = await t.call("/api/logs/", { method: "POST", json: batch });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { exception_message: string }).exception_message).toBe("Invalid request received.");
    expect((await filter(byRun(run))).body).toEqual([]);
  });

  test("filter validation: limit above the maximum, unknown sort, malformed ids → 422", async () => {
    expect((await filter({ limit: 201 })).status).toBe(422);
    expect((await filter({ sort: "NAME_ASC" })).status).toBe(422);
    expect((await filter({ logs: { flow_run_id: { any_: ["nope"] } } })).status).toBe(422);
    expect((await filter({ offset: -1 })).status).toBe(422);
  });

  test("TIMESTAMP_DESC, offsets and an empty body", async () => {
    const run = Bun.randomUUIDv7();
    const logs = [3, 1, 2].map((s) => ({
      name: "n",
      level: 20,
      message: `at ${s}`,
      timestamp: `2026-01-01T00:00:0${s}Z`,
      flow_run_id: run,
    }));
    expect((await t.call("/api/logs/", { method: "POST", json: logs })).status).toBe(201);
    expect(
      (await filter({ ...byRun(run), sort: "TIMESTAMP_DESC" })).body.map((l: { message: string }) => l.message),
    ).toEqual(["at 3", "at 2", "at 1"]);
    expect(
      (await filter({ ...byRun(run), limit: 1, offset: 1 })).body.map((l: { message: string }) => l.message),
    ).toEqual(["at 2"]);
    // Without the trailing slash too (the server accepts both forms, contract §1.1).
    expect((await t.call("/api/logs", { method: "POST", json: [] })).status).toBe(201);
    const r = await t.call("/api/logs/filter", { method: "POST" });
    expect(r.status).toBe(200);
  });
});
