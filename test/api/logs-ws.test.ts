// WS /logs/out on SQLite and PostgreSQL: after the `prefect` handshake and a LogFilter, a subscriber gets
// the logs stored afterwards that match (by flow run and level here) and nothing else; a bad filter or a
// message out of turn closes the socket with Prefect's protocol error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DIALECTS } from "../support/databases.ts";
import { eventsApp, type EventsApp } from "../support/events-app.ts";
import { connect } from "../support/ws-client.ts";

describe.each(DIALECTS)("/api/logs/out on $name", ({ url }) => {
  let t: EventsApp;
  let base: string;
  beforeAll(async () => {
    t = await eventsApp(await url());
    base = t.listen();
  });
  afterAll(() => t.close());

  const log = (flow_run_id: string, level: number, message: string) => ({
    name: "test",
    level,
    message,
    timestamp: new Date().toISOString(),
    flow_run_id,
    task_run_id: null,
  });

  test("a subscriber gets the new logs its filter matches, and only those", async () => {
    const mine = crypto.randomUUID();
    const other = crypto.randomUUID();
    const c = await connect(`${base.replace("http", "ws")}/api/logs/out`);
    c.send({ type: "auth", token: null });
    await c.waitFor(1);
    expect(c.messages[0]).toEqual({ type: "auth_success" });
    c.send({ type: "filter", filter: { flow_run_id: { any_: [mine] }, level: { ge_: 20 } } });
    await Bun.sleep(50);
    const r = await t.call("/api/logs/", {
      method: "POST",
      json: [log(mine, 20, "kept"), log(mine, 10, "too quiet"), log(other, 40, "another run")],
    });
    expect(r.status).toBe(201);
    await c.waitFor(2);
    await Bun.sleep(100);
    const logs = c.messages.filter((m) => m.type === "log").map((m) => m.log);
    expect(logs.map((l) => l.message)).toEqual(["kept"]);
    expect(logs[0]).toMatchObject({ flow_run_id: mine, level: 20, name: "test" });
    expect(typeof logs[0].id).toBe("string");
    c.ws.close();
  });

  test("a bad filter, or another message where the filter belongs, closes with a protocol error", async () => {
    for (const message of [{ type: "filter", filter: { level: { ge_: "loud" } } }, { type: "hello" }]) {
      const c = await connect(`${base.replace("http", "ws")}/api/logs/out`);
      c.send({ type: "auth", token: null });
      await c.waitFor(1);
      c.send(message);
      expect((await c.closed).code).toBe(1002);
    }
  });
});
