import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DIALECTS } from "../support/databases.ts";
import { eventsApp, type EventsApp } from "../support/events-app.ts";
import type { LogCreate } from "../../src/store/logs.ts";

const ts = (ms: number) =>
  `2026-01-01T00:00:${String(Math.floor(ms / 1000)).padStart(2, "0")}.${String((ms % 1000) * 1000).padStart(6, "0")}Z`;

describe.each(DIALECTS)("logs store on $name", ({ url }) => {
  let t: EventsApp;
  const flowRun = Bun.randomUUIDv7();
  const other = Bun.randomUUIDv7();
  const taskRun = Bun.randomUUIDv7();
  beforeAll(async () => {
    t = await eventsApp(await url());
  });
  afterAll(() => t.close());
  const logs = () => t.mod.stores.logs;

  test("a large batch is written in chunks, in one call, and read back in order", async () => {
    // 1203 logs (more than two chunks); timestamps repeat, so order within a timestamp is the send order.
    const batch: LogCreate[] = Array.from({ length: 1203 }, (_, i) => ({
      name: "prefect.flow_runs",
      level: i % 3 === 0 ? 40 : 20,
      message: `line ${i}`,
      timestamp: ts(Math.floor(i / 10)),
      flow_run_id: flowRun,
      task_run_id: i % 2 ? taskRun : null,
    }));
    expect((await logs().create(batch)).length).toBe(1203);
    const all = await logs().filter(
      { logs: { flow_run_id: { any_: [flowRun] } } },
      { limit: 2000, offset: 0, sort: "TIMESTAMP_ASC" },
    );
    expect(all.map((l) => l.message)).toEqual(batch.map((l) => l.message));
    expect(all[1]).toMatchObject({
      name: "prefect.flow_runs",
      level: 20,
      message: "line 1",
      timestamp: ts(0),
      flow_run_id: flowRun,
      task_run_id: taskRun,
    });
    expect(Object.keys(all[0]).sort()).toEqual([
      "created",
      "flow_run_id",
      "id",
      "level",
      "message",
      "name",
      "task_run_id",
      "timestamp",
      "updated",
    ]);
    const desc = await logs().filter(
      { logs: { flow_run_id: { any_: [flowRun] } } },
      { limit: 2000, offset: 0, sort: "TIMESTAMP_DESC" },
    );
    expect(desc.map((l) => l.message)).toEqual([...batch].reverse().map((l) => l.message));
  });

  test("pages of limit/offset cover the run exactly once (how `prefect flow-run logs` reads)", async () => {
    const seen: string[] = [];
    const first = await logs().filter(
      { logs: { flow_run_id: { any_: [flowRun] } } },
      { limit: 200, offset: 0, sort: "TIMESTAMP_ASC" },
    );
    seen.push(...first.map((l) => l.message));
    for (let offset = first.length; ; ) {
      const page = await logs().filter(
        { logs: { flow_run_id: { any_: [flowRun] } } },
        { limit: first.length, offset, sort: "TIMESTAMP_ASC" },
      );
      seen.push(...page.map((l) => l.message));
      offset += page.length;
      if (page.length < first.length) break;
    }
    expect(seen.length).toBe(1203);
    expect(new Set(seen).size).toBe(1203);
    expect(seen.slice(0, 3)).toEqual(["line 0", "line 1", "line 2"]);
  });

  test("filters: level, timestamp, flow run, task run, text", async () => {
    await logs().create([
      { name: "other", level: 30, message: "elsewhere WARNING", timestamp: ts(500), flow_run_id: other },
      { name: "other", level: 10, message: "no run", timestamp: ts(501) },
    ]);
    const page = { limit: 2000, offset: 0, sort: null };
    const count = async (f: Record<string, unknown>) => (await logs().filter({ logs: f }, page)).length;
    expect(await count({ flow_run_id: { any_: [flowRun] }, level: { ge_: 40 } })).toBe(401);
    expect(await count({ flow_run_id: { any_: [flowRun] }, level: { le_: 20 } })).toBe(802);
    expect(await count({ flow_run_id: { any_: [flowRun] }, timestamp: { after_: ts(100), before_: ts(109) } })).toBe(
      100,
    );
    expect(await count({ flow_run_id: { any_: [flowRun] }, task_run_id: { is_null_: true } })).toBe(602);
    expect(await count({ task_run_id: { any_: [taskRun] } })).toBe(601);
    expect(await count({ flow_run_id: { any_: [flowRun, other] } })).toBe(1204);
    expect(await count({ text: { query: "warning" } })).toBe(1);
    expect(await count({ operator: "or_", flow_run_id: { any_: [other] }, level: { le_: 10 } })).toBe(2);
  });

  test("NUL characters are stripped (PostgreSQL cannot store them) and the rest kept", async () => {
    const id = Bun.randomUUIDv7();
    await logs().create([{ name: "n\0ame", level: 20, message: "a\0b", timestamp: ts(0), flow_run_id: id }]);
    const [l] = await logs().filter({ logs: { flow_run_id: { any_: [id] } } }, { limit: 10, offset: 0 });
    expect([l.name, l.message]).toEqual(["name", "ab"]);
  });

  test("a message of over 1 MB is stored whole", async () => {
    const id = Bun.randomUUIDv7();
    const message = "x".repeat(1_100_000);
    await logs().create([{ name: "big", level: 20, message, timestamp: ts(0), flow_run_id: id }]);
    const [l] = await logs().filter({ logs: { flow_run_id: { any_: [id] } } }, { limit: 10, offset: 0 });
    expect(l.message.length).toBe(message.length);
  });
});
