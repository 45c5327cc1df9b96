// Prefect's filter semantics, as its server's filter models define them, on SQLite and PostgreSQL:
// an empty any_ matches nothing and an empty not_any_ or all_ everything; like_ is a case-insensitive
// substring (an empty one is no condition, and % or _ in it are literal); startswith_ exists only for
// work-queue names, as a list of case-insensitive prefixes any of which matches; operator or_ joins a
// filter's conditions.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, unknown>;

describe.each(DIALECTS)("filter semantics on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const names = async (body: J) => {
    const r = await t.call("/api/flow_runs/filter", { method: "POST", json: { ...body, sort: "NAME_ASC" } });
    expect(r.status).toBe(200);
    return ((await r.json()) as Array<{ name: string }>).map((x) => x.name);
  };
  const ALL = ["Daily-ETL-1", "bulk-a", "nightly_100%", "priority-run", "untagged"];

  beforeAll(async () => {
    t = await testApp({}, await url());
    const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "semantics" } })).json()) as {
      id: string;
    };
    const runs: Array<[string, string[], string | null]> = [
      ["Daily-ETL-1", ["etl", "daily"], "Priority-High"],
      ["bulk-a", ["bulk"], "bulk"],
      ["nightly_100%", ["etl"], "other"],
      ["priority-run", [], "PRIORITY-low"],
      ["untagged", [], null],
    ];
    for (const [name, tags, queue] of runs) {
      const r = await t.call("/api/flow_runs/", {
        method: "POST",
        json: { flow_id: flow.id, name, tags, work_queue_name: queue },
      });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => t.close());

  test("empty lists: any_ matches nothing, not_any_ and all_ match everything", async () => {
    expect(await names({ flow_runs: { id: { any_: [] } } })).toEqual([]);
    expect(await names({ flow_runs: { name: { any_: [] } } })).toEqual([]);
    expect(await names({ flow_runs: { id: { not_any_: [] } } })).toEqual(ALL);
    expect(await names({ flow_runs: { tags: { all_: [] } } })).toEqual(ALL);
    expect(await names({ flow_runs: { tags: { any_: [] } } })).toEqual([]);
    expect(await names({ flow_runs: { state: { type: { any_: [] } } } })).toEqual([]);
  });

  test("like_ is a case-insensitive substring; empty is no condition; % and _ are literal", async () => {
    expect(await names({ flow_runs: { name: { like_: "etl" } } })).toEqual(["Daily-ETL-1"]);
    expect(await names({ flow_runs: { name: { like_: "" } } })).toEqual(ALL);
    expect(await names({ flow_runs: { name: { like_: "_100%" } } })).toEqual(["nightly_100%"]);
    expect(await names({ flow_runs: { name: { like_: "y_1" } } })).toEqual(["nightly_100%"]);
    expect(await names({ flows: { name: { like_: "SEMANT" } } })).toEqual(ALL);
  });

  test("startswith_ is a list of case-insensitive work-queue prefixes; elsewhere it is not Prefect's and is ignored", async () => {
    expect(await names({ work_pool_queues: { name: { startswith_: ["prio"] } } })).toEqual([
      "Daily-ETL-1",
      "priority-run",
    ]);
    expect(await names({ work_pool_queues: { name: { startswith_: ["PRIORITY-H", "bul"] } } })).toEqual([
      "Daily-ETL-1",
      "bulk-a",
    ]);
    expect(await names({ work_pool_queues: { name: { startswith_: [] } } })).toEqual([]);
    // A prefix, not a substring.
    expect(await names({ work_pool_queues: { name: { startswith_: ["ther", "low"] } } })).toEqual([]);
    expect(await names({ work_pool_queues: { name: { startswith_: ["%"] } } })).toEqual([]);
    expect(await names({ flow_runs: { name: { startswith_: "bulk" } } })).toEqual(ALL);
    const wrong = await t.call("/api/flow_runs/filter", {
      method: "POST",
      json: { work_pool_queues: { name: { startswith_: "bulk" } } },
    });
    expect(wrong.status).toBe(422);
  });

  test("operator or_ joins a filter's own conditions; filters on different resources are always and-ed", async () => {
    expect(
      await names({ flow_runs: { operator: "or_", name: { any_: ["untagged"] }, tags: { all_: ["bulk"] } } }),
    ).toEqual(["bulk-a", "untagged"]);
    expect(await names({ flow_runs: { name: { any_: ["untagged"] }, tags: { all_: ["bulk"] } } })).toEqual([]);
    expect(await names({ flow_runs: { tags: { operator: "or_", all_: ["etl", "daily"], is_null_: true } } })).toEqual([
      "Daily-ETL-1",
      "priority-run",
      "untagged",
    ]);
    expect(
      await names({ flow_runs: { tags: { all_: ["etl"] } }, work_pool_queues: { name: { any_: ["other"] } } }),
    ).toEqual(["nightly_100%"]);
  });

  test("is_null_ on nullable columns", async () => {
    expect(await names({ flow_runs: { work_queue_name: { is_null_: true } } })).toEqual(["untagged"]);
    expect((await names({ flow_runs: { work_queue_name: { is_null_: false } } })).length).toBe(4);
  });
});
