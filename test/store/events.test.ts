import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { row } from "../../src/db/driver.ts";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { parseEvent } from "../../src/events/schema.ts";
import { eventMatches, parseEventFilter } from "../../src/store/event-filters.ts";
import { DIALECTS } from "../support/databases.ts";
import { clientEvent, eventsApp, type EventsApp } from "../support/events-app.ts";

const NOW = "2026-03-10T12:00:00.000000Z";
const at = (minutesAgo: number) => new Date(Date.parse(NOW) - minutesAgo * 60_000).toISOString().replace("Z", "000Z");
const received = (e: unknown): ReceivedEvent => {
  const p = parseEvent(e, NOW);
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.event;
};
const window = { since: at(600), until: NOW };

const flowRun = "prefect.flow-run.0193f4a8-0000-7000-8000-000000000001";
const flow = {
  "prefect.resource.id": "prefect.flow.0193f4a8-0000-7000-8000-00000000000f",
  "prefect.resource.role": "flow",
  "prefect.resource.name": "etl",
};
const tag = (t: string) => ({ "prefect.resource.id": `prefect.tag.${t}`, "prefect.resource.role": "tag" });

// A small world: flow-run state events, task-run events related to the flow run, a heartbeat.
const EVENTS = [
  clientEvent({
    occurred: at(50),
    event: "prefect.flow-run.Pending",
    resource: { "prefect.resource.id": flowRun, "prefect.resource.name": "cobalt-terrier" },
    related: [flow, tag("nightly")],
  }),
  clientEvent({
    occurred: at(40),
    event: "prefect.flow-run.Running",
    resource: { "prefect.resource.id": flowRun, "prefect.resource.name": "cobalt-terrier" },
    related: [flow, tag("nightly")],
  }),
  clientEvent({
    occurred: at(39),
    event: "prefect.task-run.Running",
    resource: {
      "prefect.resource.id": "prefect.task-run.0193f4a8-0000-7000-8000-0000000000a1",
      "prefect.resource.name": "t-1",
      "prefect.orchestration": "client",
    },
    related: [{ "prefect.resource.id": flowRun, "prefect.resource.role": "flow-run" }, flow],
    payload: { validated_state: { type: "RUNNING", message: "Deadline exceeded" } },
  }),
  clientEvent({
    occurred: at(30),
    event: "prefect.flow-run.heartbeat",
    resource: { "prefect.resource.id": flowRun, "prefect.version": "3.9.1" },
    related: [flow],
  }),
  clientEvent({
    occurred: at(20),
    event: "prefect.flow-run.Completed",
    resource: { "prefect.resource.id": flowRun, "prefect.resource.name": "cobalt-renamed" },
    related: [flow, tag("nightly"), tag("prod")],
  }),
  clientEvent({
    occurred: at(2000),
    event: "prefect.flow-run.Completed",
    resource: { "prefect.resource.id": "prefect.flow-run.old" },
  }),
].map(received);

// Filters whose SQL reading (store) and in-memory reading (live /events/out) must agree.
const FILTERS: Array<[string, Record<string, unknown>, number]> = [
  ["window", {}, 5],
  ["prefix", { event: { prefix: ["prefect.flow-run."] } }, 4],
  ["exclude_prefix", { event: { exclude_prefix: ["prefect.flow-run.heart", "prefect.task-run."] } }, 3],
  ["name", { event: { name: ["prefect.flow-run.Running", "prefect.task-run.Running"] } }, 2],
  ["exclude_name", { event: { exclude_name: ["prefect.flow-run.heartbeat"] } }, 4],
  ["resource id", { resource: { id: [flowRun] } }, 4],
  ["resource id_prefix", { resource: { id_prefix: ["prefect.task-run."] } }, 1],
  ["resource label glob", { resource: { labels: { "prefect.resource.name": "cobalt-*" } } }, 3],
  ["resource label negated", { resource: { labels: { "prefect.resource.name": "!cobalt-terrier" } } }, 2],
  ["resource label case-sensitive", { resource: { labels: { "prefect.resource.name": "COBALT-*" } } }, 0],
  ["resource id label", { resource: { labels: { "prefect.resource.id": "prefect.task-run.*" } } }, 1],
  ["resource empty label list", { resource: { labels: { "prefect.resource.name": [] } } }, 0],
  ["resource odd label key", { resource: { labels: { 'we"ird': "*" } } }, 0],
  ["related role", { related: { role: ["tag"] } }, 3],
  ["related id", { related: { id: ["prefect.tag.prod"] } }, 1],
  ["related resources_in_roles", { related: { resources_in_roles: [[flowRun, "flow-run"]] } }, 1],
  ["related labels", { related: { labels: { "prefect.resource.role": "flow", "prefect.resource.name": "e?l" } } }, 5],
  ["related list (AND)", { related: [{ role: ["tag"] }, { id: ["prefect.tag.prod"] }] }, 1],
  ["related never matches the primary", { related: { id: [flowRun] } }, 1],
  ["any_resource id", { any_resource: { id: [flowRun] } }, 5],
  ["any_resource prefix", { any_resource: { id_prefix: ["prefect.tag."] } }, 3],
  ["any_resource labels", { any_resource: { labels: { "prefect.version": "3.*" } } }, 1],
  ["id", { id: { id: [EVENTS[0].id, EVENTS[5].id] } }, 1],
  ["text", { text: { query: "deadline" } }, 1],
  ["text exclude", { text: { query: "-nightly" } }, 2],
  ["text phrase", { text: { query: '"cobalt-renamed"' } }, 1],
  ["occurred narrow", { occurred: { since: at(45), until: at(25) } }, 3],
];

describe.each(DIALECTS)("events store on $name", ({ url }) => {
  let t: EventsApp;
  beforeAll(async () => {
    t = await eventsApp(await url());
    await t.mod.stores.events.write(EVENTS);
  });
  afterAll(() => t.close());
  const store = () => t.mod.stores.events;
  const counts = () =>
    t.driver.read(function* () {
      const e = (yield* row<{ count: number }>(sql`SELECT count(*) AS count FROM events`))!;
      const r = (yield* row<{ count: number }>(sql`SELECT count(*) AS count FROM event_resources`))!;
      return [Number(e.count), Number(r.count)];
    });

  test("writes dedupe by id, across batches and within one; resources are written once per event", async () => {
    expect(await counts()).toEqual([6, 16]);
    expect(await store().write([EVENTS[0], EVENTS[1]])).toBe(0);
    const fresh = received(clientEvent({ occurred: at(1000) }));
    expect(await store().write([fresh, fresh, EVENTS[2]])).toBe(1);
    expect(await counts()).toEqual([7, 17]);
  });

  test("an event reads back exactly as it was received", async () => {
    const f = parseEventFilter({ occurred: window, id: { id: [EVENTS[2].id] } }, NOW);
    const { events, total } = await store().query(f, 10);
    expect(total).toBe(1);
    expect(events[0]).toEqual(EVENTS[2]);
  });

  test.each(FILTERS)("filter %s: SQL and in-memory agree", async (_name, body, expected) => {
    const f = parseEventFilter({ ...body, occurred: { ...window, ...((body.occurred as object) ?? {}) } }, NOW);
    const { events, total } = await store().query(f, 50);
    const inMemory = EVENTS.filter((e) => eventMatches(f, e)).map((e) => e.id);
    expect(events.map((e) => e.id).sort()).toEqual(inMemory.sort());
    expect(total).toBe(expected);
  });

  test("order, limit and offset; distinct resources", async () => {
    const asc = parseEventFilter({ occurred: window, order: "ASC" }, NOW);
    const all = await store().read(asc, 50);
    expect(all.map((e) => e.occurred)).toEqual([...all.map((e) => e.occurred)].sort());
    const desc = parseEventFilter({ occurred: window }, NOW);
    expect((await store().read(desc, 2, 1)).map((e) => e.id)).toEqual(
      (await store().read(desc, 50)).slice(1, 3).map((e) => e.id),
    );
    const distinct = parseEventFilter({ occurred: window, resource: { distinct: true } }, NOW);
    const { events, total } = await store().query(distinct, 50);
    expect(total).toBe(2);
    expect(events.map((e) => e.event)).toEqual(["prefect.flow-run.Completed", "prefect.task-run.Running"]);
  });

  test("the default window is the last 180 days from the start of today (Prefect 3.9.1)", () => {
    const f = parseEventFilter(undefined, "2026-03-10T12:34:56.000000Z");
    expect(f.occurred).toEqual({ since: "2025-09-11T00:00:00.000000Z", until: "2026-03-10T12:34:56.000000Z" });
    expect(f.order).toBe("DESC");
    expect(() => parseEventFilter({ id: { id: ["nope"] } })).toThrow();
    expect(() => parseEventFilter({ occurred: { since: "yesterday" } })).toThrow();
  });

  test("count by event and by resource: most frequent first, latest label", async () => {
    const f = parseEventFilter({ occurred: window }, NOW);
    expect(await store().countBy("event", f, "day", 1, NOW)).toEqual([
      {
        value: "prefect.flow-run.Completed",
        label: "prefect.flow-run.Completed",
        count: 1,
        start_time: at(20),
        end_time: at(20),
      },
      {
        value: "prefect.flow-run.Pending",
        label: "prefect.flow-run.Pending",
        count: 1,
        start_time: at(50),
        end_time: at(50),
      },
      {
        value: "prefect.flow-run.Running",
        label: "prefect.flow-run.Running",
        count: 1,
        start_time: at(40),
        end_time: at(40),
      },
      {
        value: "prefect.flow-run.heartbeat",
        label: "prefect.flow-run.heartbeat",
        count: 1,
        start_time: at(30),
        end_time: at(30),
      },
      {
        value: "prefect.task-run.Running",
        label: "prefect.task-run.Running",
        count: 1,
        start_time: at(39),
        end_time: at(39),
      },
    ]);
    const byResource = await store().countBy("resource", f, "day", 1, NOW);
    expect(byResource.map((c) => [c.value, c.label, c.count])).toEqual([
      [flowRun, "cobalt-renamed", 4],
      ["prefect.task-run.0193f4a8-0000-7000-8000-0000000000a1", "t-1", 1],
    ]);
  });

  test("count by time: every bucket in the window, empty ones included", async () => {
    const f = parseEventFilter({ occurred: { since: "2026-03-10T11:00:00.000000Z", until: NOW } }, NOW);
    const buckets = await store().countBy("time", f, "minute", 10, NOW);
    expect(buckets.length).toBe(6);
    expect(buckets[0]).toEqual({
      value: "0",
      label: "2026-03-10T11:00:00+00:00",
      count: 0,
      start_time: "2026-03-10T11:00:00.000000Z",
      end_time: "2026-03-10T11:09:59.999999Z",
    });
    expect(buckets.map((b) => b.count)).toEqual([0, 1, 2, 1, 1, 0]);
    const days = await store().countBy(
      "day",
      parseEventFilter({ occurred: { since: "2026-03-08T00:00:00Z", until: NOW } }, NOW),
      "day",
      1,
      NOW,
    );
    expect(days.map((b) => [b.label, b.count])).toEqual([
      ["2026-03-08T00:00:00+00:00", 0],
      ["2026-03-09T00:00:00+00:00", 2], // at(1000) from the dedupe test and at(2000)
      ["2026-03-10T00:00:00+00:00", 5],
    ]);
    expect(() =>
      store().countBy(
        "time",
        parseEventFilter({ occurred: { since: "2025-01-01T00:00:00Z", until: NOW } }, NOW),
        "minute",
        1,
        NOW,
      ),
    ).toThrow(/too many/);
  });
});
