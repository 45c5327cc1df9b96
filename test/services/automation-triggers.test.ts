// Proactive, compound and sequence triggers inside the app on every dialect: a Proactive trigger fires
// when nothing arrives in its window (the proactive pass is run at chosen times, as its loop would),
// stays quiet while events arrive, and resolves once when they resume; a compound trigger fires once
// all (or N) of its children have fired within its window; a sequence only for its children in order;
// a restart (a new app on the same database) keeps a half-counted window and held child firings, and
// fires nothing twice. The automation events land in the events API.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addSeconds, nowTimestamp } from "../../src/core/time.ts";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

/** A database that outlives one app: a file for SQLite, the same schema for PostgreSQL. */
const durable = async (name: string, url: () => Promise<string>) =>
  name === "sqlite" ? `sqlite+aiosqlite:///${join(mkdtempSync(join(tmpdir(), "pl-triggers-")), "db.sqlite")}` : url();

async function start(url: string) {
  const t = await testApp({}, url);
  const events: ReceivedEvent[] = [];
  t.app.bus.subscribe((es) => events.push(...es));
  await t.app.automations.triggers.start();
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const create = async (body: J) => {
    const r = await call("POST", "/api/automations/", { actions: [{ type: "do-nothing" }], ...body });
    expect(r.status).toBe(201);
    await t.app.automations.triggers.ready();
    return r.body.id as string;
  };
  const emit = async (event: string, occurred = new Date().toISOString(), resource = "external.thing") => {
    expect(
      (
        await call("POST", "/api/events", [
          { id: crypto.randomUUID(), occurred, event, resource: { "prefect.resource.id": resource } },
        ])
      ).status,
    ).toBe(204);
    await t.app.events.flush();
  };
  const fired = (id: string, state = "triggered") =>
    events.filter(
      (e) =>
        e.event === `prefect.automation.${state}` && e.resource["prefect.resource.id"] === `prefect.automation.${id}`,
    );
  const proactive = async (asOf: string) => {
    await t.app.automations.triggers.proactive(asOf);
    await t.app.events.flush();
  };
  const stored = async (id: string) =>
    (
      await call("POST", "/api/events/filter", {
        filter: { event: { prefix: ["prefect.automation."] }, resource: { id: [`prefect.automation.${id}`] } },
        limit: 50,
      })
    ).body.events.map((e: J) => e.event) as string[];
  return { t, events, call, create, emit, fired, proactive, stored };
}

const proactiveTrigger = (extra: J = {}) => ({
  type: "event",
  posture: "Proactive",
  expect: ["external.ping"],
  match: { "prefect.resource.id": "external.*" },
  threshold: 1,
  within: 10,
  ...extra,
});
const reactive = (event: string) => ({
  type: "event",
  posture: "Reactive",
  expect: [event],
  match: { "prefect.resource.id": "external.*" },
  threshold: 1,
  within: 0,
});

describe.each(DIALECTS)("automation triggers on $name", ({ name, url }) => {
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start(await url());
  });
  afterAll(async () => {
    await s.t.close();
  });

  test("a Proactive trigger fires when nothing arrives, once per window, and resolves when events resume", async () => {
    const id = await s.create({
      name: "silence",
      trigger: proactiveTrigger(),
      actions_on_resolve: [{ type: "do-nothing" }],
    });
    const t0 = addSeconds(nowTimestamp(), -15);
    await s.proactive(t0); // opens the window [t0, t0 + 10) with no event in it
    expect(s.fired(id)).toEqual([]);
    await s.proactive(addSeconds(t0, 5));
    expect(s.fired(id)).toEqual([]); // the window has not ended
    await s.proactive(addSeconds(t0, 11));
    const [triggered, ...more] = s.fired(id);
    expect(more).toEqual([]);
    expect(triggered!.resource).toEqual({
      "prefect.resource.id": `prefect.automation.${id}`,
      "prefect.resource.name": "silence",
      "prefect.posture": "Proactive",
    });
    expect(triggered!.related).toEqual([]);
    expect(triggered!.payload).toEqual({ triggering_labels: {}, triggering_event: null });
    await s.proactive(addSeconds(t0, 12)); // the next window is open: no second firing
    expect(s.fired(id).length).toBe(1);

    // An expected event ends the silence: resolved once, following the triggered event.
    await s.emit("external.ping");
    const resolved = s.fired(id, "resolved");
    expect(resolved.length).toBe(1);
    expect(resolved[0]!.follows).toBe(triggered!.id);
    expect(resolved[0]!.resource["prefect.posture"]).toBe("Proactive");
    expect((resolved[0]!.payload as J).triggering_event.event).toBe("external.ping");
    expect(resolved[0]!.related[0]!["prefect.resource.role"]).toBe("triggering-event");
    await s.emit("external.ping");
    expect(s.fired(id, "resolved").length).toBe(1);
    const actions = await s.t.app.stores.automationActions.recent(id, 10);
    expect(actions.map((a) => a.automation_triggered_event_id).sort()).toEqual([triggered!.id, resolved[0]!.id].sort());
    expect((await s.stored(id)).sort()).toEqual(
      expect.arrayContaining(["prefect.automation.triggered", "prefect.automation.resolved"]),
    );
    await s.call("DELETE", `/api/automations/${id}`);
  });

  test("a Proactive trigger stays quiet while its events arrive; for_each watches each resource", async () => {
    const id = await s.create({ name: "heartbeat", trigger: proactiveTrigger() });
    const t0 = addSeconds(nowTimestamp(), -30);
    await s.proactive(t0);
    await s.emit("external.ping", addSeconds(t0, 4));
    await s.proactive(addSeconds(t0, 11));
    expect(s.fired(id)).toEqual([]);
    await s.call("DELETE", `/api/automations/${id}`);

    const each = await s.create({
      name: "per thing",
      trigger: proactiveTrigger({ for_each: ["prefect.resource.id"], after: ["external.start"] }),
    });
    const t1 = addSeconds(nowTimestamp(), -20);
    await s.emit("external.start", t1, "external.a");
    await s.emit("external.start", t1, "external.b");
    await s.emit("external.ping", addSeconds(t1, 3), "external.a");
    await s.proactive(addSeconds(t1, 11));
    const fired = s.fired(each);
    expect(fired.map((e) => e.payload.triggering_labels)).toEqual([{ "prefect.resource.id": "external.b" }]);
    expect((fired[0]!.payload as J).triggering_event.event).toBe("external.start");
    // Its window went with the firing; the late ping for external.b is still its resumption, once.
    await s.emit("external.ping", addSeconds(t1, 15), "external.b");
    await s.emit("external.ping", addSeconds(t1, 16), "external.b");
    const resolved = s.fired(each, "resolved");
    expect(resolved.map((e) => (e.payload as J).triggering_labels)).toEqual([{ "prefect.resource.id": "external.b" }]);
    expect(resolved[0]!.follows).toBe(fired[0]!.id);
    await s.call("DELETE", `/api/automations/${each}`);
  });

  test("a compound trigger fires when all (or N) children fired within its window, once", async () => {
    const all = await s.create({
      name: "all",
      trigger: {
        type: "compound",
        require: "all",
        within: 60,
        triggers: [reactive("external.a"), reactive("external.b")],
      },
    });
    const two = await s.create({
      name: "two of three",
      trigger: {
        type: "compound",
        require: 2,
        within: 60,
        triggers: [reactive("external.a"), reactive("external.c"), reactive("external.d")],
      },
    });
    await s.emit("external.a");
    await s.emit("external.a");
    expect(s.fired(all)).toEqual([]);
    expect(s.fired(two)).toEqual([]);
    await s.emit("external.b");
    expect(s.fired(all).length).toBe(1);
    expect(s.fired(all)[0]!.resource["prefect.posture"]).toBeUndefined();
    expect((s.fired(all)[0]!.payload as J).triggering_event.event).toBe("external.b");
    await s.emit("external.b"); // the firings were spent: b alone is not enough again
    expect(s.fired(all).length).toBe(1);
    await s.emit("external.d");
    expect(s.fired(two).length).toBe(1);
    for (const id of [all, two]) await s.call("DELETE", `/api/automations/${id}`);
  });

  test("a compound's child firing ages out of its window", async () => {
    const id = await s.create({
      name: "quick pair",
      trigger: {
        type: "compound",
        require: "all",
        within: 1,
        triggers: [reactive("external.a"), reactive("external.b")],
      },
    });
    await s.emit("external.a");
    await Bun.sleep(1100);
    await s.emit("external.b");
    expect(s.fired(id)).toEqual([]);
    await s.emit("external.a");
    expect(s.fired(id).length).toBe(1);
    await s.call("DELETE", `/api/automations/${id}`);
  });

  test("a sequence fires only for its children in order", async () => {
    const id = await s.create({
      name: "a then b",
      trigger: { type: "sequence", within: 60, triggers: [reactive("external.a"), reactive("external.b")] },
    });
    await s.emit("external.b");
    await s.emit("external.a");
    expect(s.fired(id)).toEqual([]);
    await s.emit("external.b");
    expect(s.fired(id).length).toBe(1);
    expect(await s.stored(id)).toContain("prefect.automation.triggered");
    await s.call("DELETE", `/api/automations/${id}`);
  });

  test("a compound with a Proactive child: silence and an event together", async () => {
    const id = await s.create({
      name: "quiet and b",
      trigger: {
        type: "compound",
        require: "all",
        within: 120,
        triggers: [proactiveTrigger({ expect: ["external.quiet"] }), reactive("external.b")],
      },
    });
    const t0 = addSeconds(nowTimestamp(), -15);
    await s.proactive(t0);
    await s.emit("external.b");
    expect(s.fired(id)).toEqual([]);
    await s.proactive(addSeconds(t0, 11));
    expect(s.fired(id).length).toBe(1);
    await s.call("DELETE", `/api/automations/${id}`);
  });

  test("no trigger stops an event being stored: a window past year 9999, a `within` past timedelta's", async () => {
    const huge = await s.call("POST", "/api/automations/", {
      name: "huge",
      trigger: { ...reactive("external.far"), within: 100_000_000_000_000 },
      actions: [{ type: "do-nothing" }],
    });
    expect(huge.status).toBe(422);
    expect(JSON.stringify(huge.body)).toContain("999,999,999 days");
    // Accepted (under timedelta's limit), yet a window from now ends past year 9999.
    const wide = await s.create({ name: "wide", trigger: { ...reactive("external.far"), threshold: 2, within: 3e11 } });
    const id = await s.create({ name: "far", trigger: { ...reactive("external.far"), threshold: 2, within: 60 } });
    await s.emit("external.far");
    await s.emit("external.far", "9999-12-31T23:59:30.000000Z");
    expect(s.fired(wide).length).toBe(1);
    const found = await s.call("POST", "/api/events/filter", {
      filter: {
        event: { name: ["external.far"] },
        occurred: { since: "9999-01-01T00:00:00Z", until: "9999-12-31T23:59:59Z" },
      },
    });
    expect(found.body.events.map((e: J) => e.occurred)).toEqual(["9999-12-31T23:59:30.000000Z"]);
    for (const a of [wide, id]) await s.call("DELETE", `/api/automations/${a}`);
  });

  test("a Proactive trigger that cannot be evaluated does not hold back the others", async () => {
    const gone = await s.create({ name: "gone", trigger: proactiveTrigger() });
    const kept = await s.create({ name: "kept", trigger: proactiveTrigger() });
    // Deleted behind the cache's back (as between a delete and the reload it causes).
    await s.t.app.stores.automations.delete(gone);
    const t0 = addSeconds(nowTimestamp(), -15);
    await s.proactive(t0);
    await s.proactive(addSeconds(t0, 11));
    expect(s.fired(kept).length).toBe(1);
    await s.call("DELETE", `/api/automations/${kept}`);
    await s.t.app.automations.triggers.reload();
  });

  test("a restart keeps a half-counted window and held child firings, and fires nothing twice", async () => {
    const db = await durable(name, url);
    let a = await start(db);
    const counted = await a.create({
      name: "two pings",
      trigger: { ...reactive("external.ping"), threshold: 2, within: 600 },
    });
    const pair = await a.create({
      name: "pair",
      trigger: {
        type: "compound",
        require: "all",
        within: 600,
        triggers: [reactive("external.a"), reactive("external.b")],
      },
    });
    const quiet = await a.create({ name: "quiet", trigger: proactiveTrigger({ expect: ["external.never"] }) });
    const t0 = addSeconds(nowTimestamp(), -15);
    await a.emit("external.ping");
    await a.emit("external.a");
    await a.proactive(t0);
    await a.t.close();

    a = await start(db);
    await a.emit("external.ping");
    await a.emit("external.b");
    expect(a.fired(counted).length).toBe(1);
    expect(a.fired(pair).length).toBe(1);
    await a.proactive(addSeconds(t0, 11));
    expect(a.fired(quiet).length).toBe(1);
    await a.t.close();

    // After the firings, another restart neither fires them again nor loses what it fired.
    a = await start(db);
    await a.proactive(addSeconds(t0, 12));
    await a.emit("external.b");
    expect(a.events.filter((e) => e.event === "prefect.automation.triggered")).toEqual([]);
    const actions = await Promise.all(
      [counted, pair, quiet].map((id) => a.t.app.stores.automationActions.recent(id, 10)),
    );
    expect(actions.map((x) => x.length)).toEqual([1, 1, 1]);
    await a.t.close();
  });
});
