import { setLogSink } from "../../src/core/logger.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rows } from "../../src/db/driver.ts";
import { parseEventFilter } from "../../src/store/event-filters.ts";
import { DIALECTS } from "../support/databases.ts";
import { clientEvent, eventsApp, seedFlowRun, taskRunEvent, type EventsApp } from "../support/events-app.ts";
import { connect } from "../support/ws-client.ts";

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

describe.each(DIALECTS)("/api/events on $name", ({ url }) => {
  let t: EventsApp;
  let base: string;
  beforeAll(async () => {
    t = await eventsApp(await url());
    base = t.listen();
  });
  afterAll(() => t.close());

  const post = (path: string, json: unknown) => t.call(path, { method: "POST", json });

  test("POST /events stores a batch (204), deduplicated by id; bad events → 422, nothing published", async () => {
    const run = `prefect.flow-run.${Bun.randomUUIDv7()}`;
    const evs = [1, 2, 3].map((i) =>
      clientEvent({ occurred: iso(i * 1000), resource: { "prefect.resource.id": run }, event: `test.e${i}` }),
    );
    expect((await post("/api/events", evs)).status).toBe(204);
    expect((await post("/api/events/", [evs[0], evs[1]])).status).toBe(204);
    const bad = await post("/api/events", [
      clientEvent({ resource: { "prefect.resource.id": run } }),
      { ...evs[0], id: "nope", resource: {} },
    ]);
    expect(bad.status).toBe(422);
    const detail = ((await bad.json()) as { exception_detail: Array<{ loc: unknown[] }> }).exception_detail;
    expect(detail.map((d) => d.loc)).toEqual([
      ["body", 1, "id"],
      ["body", 1, "resource"],
    ]);
    await t.mod.flush();
    const r = await post("/api/events/filter", { filter: { resource: { id: [run] }, order: "ASC" } });
    const page = (await r.json()) as {
      events: Array<{ id: string; event: string; received: string }>;
      total: number;
      next_page: null;
    };
    expect(page.total).toBe(3);
    expect(page.next_page).toBeNull();
    expect(page.events.map((e) => e.event)).toEqual(["test.e3", "test.e2", "test.e1"]);
    expect(Object.keys(page.events[0])).toEqual([
      "occurred",
      "event",
      "resource",
      "related",
      "payload",
      "id",
      "follows",
      "received",
    ]);
  });

  test("paging through next_page links; an unreadable token is 403", async () => {
    const run = `prefect.flow-run.${Bun.randomUUIDv7()}`;
    const evs = Array.from({ length: 7 }, (_, i) =>
      clientEvent({ occurred: iso(60_000 - i * 1000), resource: { "prefect.resource.id": run } }),
    );
    await post("/api/events", evs);
    await t.mod.flush();
    const seen: string[] = [];
    let r = await post("/api/events/filter", { filter: { resource: { id: [run] } }, limit: 3 });
    let page = (await r.json()) as { events: Array<{ id: string }>; total: number; next_page: string | null };
    expect(page.total).toBe(7);
    for (;;) {
      seen.push(...page.events.map((e) => e.id));
      if (!page.next_page) break;
      const next = new URL(page.next_page);
      expect(next.pathname).toBe("/api/events/filter/next");
      r = await t.call(`${next.pathname}${next.search}`);
      expect(r.status).toBe(200);
      page = (await r.json()) as typeof page;
      expect(page.total).toBe(7);
    }
    expect(seen).toEqual([...evs].reverse().map((e) => e.id)); // newest first (DESC by default)
    expect((await t.call("/api/events/filter/next?page-token=%%%")).status).toBe(403);
    expect((await t.call("/api/events/filter/next?page-token=bm9wZQ==")).status).toBe(403);
    expect((await t.call("/api/events/filter/next")).status).toBe(403);
    expect((await post("/api/events/filter", { limit: 51 })).status).toBe(422);
    expect((await post("/api/events/filter", { filter: { id: { id: ["x"] } } })).status).toBe(422);
  });

  test("count-by: event, time; bad countable or window → 422", async () => {
    const run = `prefect.flow-run.${Bun.randomUUIDv7()}`;
    await post("/api/events", [
      clientEvent({ event: "count.me", resource: { "prefect.resource.id": run } }),
      clientEvent({ event: "count.me", resource: { "prefect.resource.id": run } }),
    ]);
    await t.mod.flush();
    const filter = { resource: { id: [run] }, occurred: { since: iso(3_600_000), until: iso(-60_000) } };
    const r = await post("/api/events/count-by/event", { filter });
    expect(r.status).toBe(200);
    expect(((await r.json()) as Array<{ value: string; count: number }>).map((c) => [c.value, c.count])).toEqual([
      ["count.me", 2],
    ]);
    const times = (await (
      await post("/api/events/count-by/time", { filter, time_unit: "minute", time_interval: 15 })
    ).json()) as Array<{ count: number }>;
    expect(times.reduce((n, c) => n + c.count, 0)).toBe(2);
    expect((await post("/api/events/count-by/nope", { filter })).status).toBe(422);
    expect(
      (
        await post("/api/events/count-by/time", {
          filter: { occurred: { since: "2020-01-01T00:00:00Z" } },
          time_unit: "second",
        })
      ).status,
    ).toBe(422);
    expect((await post("/api/events/count-by/day", {})).status).toBe(422);
  });

  test("/events/in: handshake, one event per frame, malformed frames skipped, large events accepted", async () => {
    const c = await connect(`${base}/api/events/in`);
    expect(c.ws.protocol).toBe("prefect");
    c.send({ type: "auth", token: null });
    await c.waitFor(1);
    expect(c.messages[0]).toEqual({ type: "auth_success" });
    const run = `prefect.flow-run.${Bun.randomUUIDv7()}`;
    const good = [
      clientEvent({ resource: { "prefect.resource.id": run } }),
      clientEvent({ resource: { "prefect.resource.id": run }, payload: { blob: "x".repeat(1_600_000) } }),
    ];
    const errors: string[] = [];
    setLogSink((line) => void errors.push(line));
    try {
      c.send(good[0]);
      c.send("{not json");
      c.send({ id: "nope" });
      c.send(42);
      c.send(good[1]);
      c.send(good[0]); // a resend
      await Bun.sleep(50);
    } finally {
      setLogSink(null);
    }
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(errors.length).toBe(3);
    expect(errors.every((e) => e.includes("WARNING") && e.includes("/events/in: skipping an invalid event"))).toBe(
      true,
    );
    await t.mod.flush();
    const page = (await (await post("/api/events/filter", { filter: { resource: { id: [run] } } })).json()) as {
      total: number;
      events: Array<{ payload: { blob?: string } }>;
    };
    expect(page.total).toBe(2);
    expect(page.events.some((e) => e.payload.blob?.length === 1_600_000)).toBe(true);
    c.ws.close();
  });

  test("/events/in → task runs via the recorder (events arrive after the flow run finished)", async () => {
    const fr = await seedFlowRun(t.driver);
    const tr = Bun.randomUUIDv7();
    const c = await connect(`${base}/api/events/in`);
    c.send({ type: "auth", token: null });
    await c.waitFor(1);
    for (const [type, name, s] of [
      ["PENDING", "Pending", 1],
      ["RUNNING", "Running", 2],
      ["COMPLETED", "Completed", 3],
    ] as const) {
      c.send(taskRunEvent({ taskRunId: tr, flowRunId: fr, type, name, occurred: `2026-01-01T00:00:0${s}.000000Z` }));
    }
    // Frames are handled as they arrive, asynchronously: poll (flushing) until all three are stored.
    const related = parseEventFilter({
      related: { id: [`prefect.flow-run.${fr}`] },
      occurred: { since: "2025-12-31T00:00:00Z" },
    });
    for (let i = 0; i < 100 && (await t.mod.stores.events.count(related)) < 3; i++) {
      await Bun.sleep(10);
      await t.mod.flush();
    }
    await t.mod.flush();
    const page = (await (
      await post("/api/events/filter", {
        filter: { related: { id: [`prefect.flow-run.${fr}`] }, occurred: { since: "2025-12-31T00:00:00Z" } },
      })
    ).json()) as { total: number };
    expect(page.total).toBe(3);
    const trs = (await t.driver.read(function* () {
      return yield* rows(sql`SELECT id, state_type FROM task_run WHERE flow_run_id = ${fr}`);
    })) as Array<{ id: string; state_type: string }>;
    expect(trs).toEqual([{ id: tr, state_type: "COMPLETED" }]);
    c.ws.close();
  });

  test("/events/out: backfill of stored matches, then live events, in order, nothing twice", async () => {
    const run = `prefect.flow-run.${Bun.randomUUIDv7()}`;
    const old = [3, 2, 1].map((m) =>
      clientEvent({ occurred: iso(m * 60_000), resource: { "prefect.resource.id": run } }),
    );
    const tooOld = clientEvent({ occurred: iso(20 * 60_000), resource: { "prefect.resource.id": run } });
    const other = clientEvent({ occurred: iso(30_000) });
    await post("/api/events", [...old, tooOld, other]);
    await t.mod.flush();
    const c = await connect(`${base}/api/events/out`);
    c.send({ type: "auth", token: null });
    await c.waitFor(1);
    // What the SDK sends (notes §4.5): a DESC order and a far `until`, no backfill key.
    c.send({
      type: "filter",
      filter: {
        occurred: { since: iso(3_600_000), until: iso(-365 * 86_400_000) },
        event: null,
        resource: { id: [run] },
        related: null,
        any_resource: null,
        id: { id: [] },
        text: null,
        order: "DESC",
      },
    });
    await c.until(() => c.events().length >= 3, "backfill");
    expect(c.events().map((e) => e.id)).toEqual(old.map((e) => e.id)); // ascending; the 20-minute-old one is outside the 15-minute backfill
    const live = clientEvent({ resource: { "prefect.resource.id": run } });
    await post("/api/events", [live, clientEvent()]);
    await c.until(() => c.events().length >= 4, "live event");
    await Bun.sleep(30);
    expect(c.events().map((e) => e.id)).toEqual([...old, live].map((e) => e.id));
    expect(c.events()[3]).toMatchObject({
      id: live.id,
      event: live.event,
      resource: live.resource,
      received: expect.any(String),
    });
    c.ws.close();
  });

  test("/events/out: the first message after auth must be a filter (1002); a bad filter is 1002 too", async () => {
    const c = await connect(`${base}/api/events/out`);
    c.send({ type: "auth", token: null });
    await c.waitFor(1);
    c.send({ type: "subscribe" });
    expect(await c.closed).toEqual({ code: 1002, reason: "Expected 'filter' message" });
    const d = await connect(`${base}/api/events/out`);
    d.send({ type: "auth", token: null });
    await d.waitFor(1);
    d.send({ type: "filter", filter: { occurred: { since: "not a date" } } });
    const closed = await d.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toStartWith("Invalid filter:");
  });

  test("handshake: the first message must be auth (1008); legacy clients without the subprotocol skip it", async () => {
    const c = await connect(`${base}/api/events/in`);
    c.send({ type: "filter" });
    expect(await c.closed).toEqual({ code: 1008, reason: "Expected 'auth' message" });
    const legacy = await connect(`${base}/api/events/out`, []);
    expect(legacy.ws.protocol).toBe("");
    legacy.send({ type: "filter", filter: { id: { id: [Bun.randomUUIDv7()] } } });
    await Bun.sleep(30);
    expect(legacy.ws.readyState).toBe(WebSocket.OPEN);
    legacy.ws.close();
  });
});

describe("events WebSockets with PREFECT_SERVER_API_AUTH_STRING", () => {
  let t: EventsApp;
  let base: string;
  beforeAll(async () => {
    t = await eventsApp("sqlite:///:memory:", { authString: "admin:s3cret" });
    base = t.listen();
  });
  afterAll(() => t.close());

  test.each([
    ["the right token", { type: "auth", token: "admin:s3cret" }, null],
    ["a wrong token", { type: "auth", token: "admin:nope" }, "Invalid token"],
    ["no token", { type: "auth", token: null }, "Auth required but no token provided"],
    ["a non-auth message", { type: "filter" }, "Expected 'auth' message"],
  ])("%s", async (_name, message, reason) => {
    for (const path of ["/api/events/in", "/api/events/out"]) {
      const c = await connect(`${base}${path}`);
      c.send(message);
      if (reason === null) {
        await c.waitFor(1);
        expect(c.messages[0]).toEqual({ type: "auth_success" });
        c.ws.close();
      } else {
        expect(await c.closed).toEqual({ code: 1008, reason });
      }
    }
  });

  test("without the subprotocol a client is refused (1002) when auth is configured", async () => {
    const c = await connect(`${base}/api/events/in`, []);
    expect((await c.closed).code).toBe(1002);
  });

  test("Bun answers pings (the SDK pings before its auth message)", async () => {
    const c = await connect(`${base}/api/events/in`);
    const pong = new Promise((r) => c.ws.addEventListener("pong" as never, r));
    (c.ws as unknown as { ping(d?: string): void }).ping("checkpoint");
    expect(await Promise.race([pong.then(() => "pong"), Bun.sleep(2000).then(() => "timeout")])).toBe("pong");
    c.ws.close();
  });
});
