// /api/artifacts through app.handle on every dialect: create of each kind, the latest per key as
// artifacts are created, updated and deleted, filters (own and by run), counts, and bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("artifacts API on $name", ({ name, url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const make = async (body: Record<string, unknown>) => {
    const r = await call("POST", "/api/artifacts/", body);
    if (r.status !== 201) throw new Error(`artifact: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  let flowRunId = "";
  let otherRunId = "";

  beforeAll(async () => {
    t = await testApp({}, await url());
    const flow = (await call("POST", "/api/flows/", { name: "arts" })).body;
    flowRunId = (await call("POST", "/api/flow_runs/", { flow_id: flow.id, name: "run-a", tags: ["keep"] })).body.id;
    otherRunId = (await call("POST", "/api/flow_runs/", { flow_id: flow.id, name: "run-b" })).body.id;
  });
  afterAll(() => t.close());

  test("each kind is stored as given, with Prefect's fields", async () => {
    const md = await make({ key: "report", type: "markdown", data: "# Hi", description: "d", flow_run_id: flowRunId });
    expect(Object.keys(md)).toEqual([
      "id",
      "created",
      "updated",
      "key",
      "type",
      "description",
      "data",
      "metadata_",
      "flow_run_id",
      "task_run_id",
    ]);
    expect(md).toMatchObject({ key: "report", type: "markdown", data: "# Hi", metadata_: null, task_run_id: null });
    const table = await make({ type: "table", data: JSON.stringify([{ a: 1 }]) });
    expect(table.key).toBeNull();
    const progress = await make({ type: "progress", data: 12.5, flow_run_id: otherRunId });
    expect(progress.data).toBe(12.5);
    const custom = await make({ type: "my-own", data: { any: ["thing"] }, metadata_: { k: "v".repeat(600) } });
    expect(custom.data).toEqual({ any: ["thing"] });
    expect(custom.metadata_.k).toBe(`${"v".repeat(500)}...`);
    expect((await call("GET", `/api/artifacts/${md.id}`)).body).toEqual(md);
  });

  test("the latest per key follows creates, updates and deletes", async () => {
    const v1 = await make({ key: "hist", type: "markdown", data: "one" });
    const v2 = await make({ key: "hist", type: "markdown", data: "two" });
    const latestOf = async () =>
      (
        (await call("POST", "/api/artifacts/latest/filter", { artifacts: { key: { any_: ["hist"] } } })).body as any[]
      )[0];
    let latest = await latestOf();
    expect(latest).toMatchObject({ key: "hist", latest_id: v2.id, data: "two" });
    // GET /{key}/latest answers with Prefect's Artifact model read from the collection row.
    const byKey = (await call("GET", "/api/artifacts/hist/latest")).body;
    expect(byKey).toMatchObject({ id: latest.id, key: "hist", data: "two", type: "markdown" });
    expect(Object.keys(byKey)).toEqual(Object.keys(v2));
    expect((await call("PATCH", `/api/artifacts/${v2.id}`, { data: "two, edited" })).status).toBe(204);
    expect((await latestOf()).data).toBe("two, edited");
    // Updating an older version leaves the latest alone.
    expect((await call("PATCH", `/api/artifacts/${v1.id}`, { description: "old" })).status).toBe(204);
    expect((await latestOf()).description).toBeNull();
    expect((await call("DELETE", `/api/artifacts/${v2.id}`)).status).toBe(204);
    latest = await latestOf();
    expect(latest).toMatchObject({ latest_id: v1.id, data: "one", description: "old" });
    expect((await call("DELETE", `/api/artifacts/${v1.id}`)).status).toBe(204);
    expect(await call("GET", "/api/artifacts/hist/latest")).toEqual({
      status: 404,
      body: { detail: "Artifact not found." },
    });
    expect((await call("DELETE", `/api/artifacts/${v1.id}`)).status).toBe(404);
    expect((await call("PATCH", `/api/artifacts/${v1.id}`, { data: 1 })).status).toBe(404);
  });

  test("a key's latest moving publishes prefect.artifact-collection.* events", async () => {
    const seen: any[] = [];
    t.app.bus.subscribe((es) => seen.push(...es.filter((e) => e.event.startsWith("prefect.artifact-collection."))));
    const a = await make({ key: "evt", type: "markdown", data: "a", flow_run_id: flowRunId });
    const b = await make({ key: "evt", type: "table", data: "[]" });
    await make({ type: "markdown", data: "no key, no event" });
    await call("PATCH", `/api/artifacts/${b.id}`, { data: "[1]" });
    await call("DELETE", `/api/artifacts/${b.id}`);
    await call("DELETE", `/api/artifacts/${a.id}`);
    expect(seen.map((e) => [e.event, e.payload.data, e.related[0]["prefect.resource.id"]])).toEqual([
      ["prefect.artifact-collection.created", "a", `prefect.artifact.${a.id}`],
      ["prefect.artifact-collection.updated", "[]", `prefect.artifact.${b.id}`],
      ["prefect.artifact-collection.updated", "a", `prefect.artifact.${a.id}`],
      ["prefect.artifact-collection.deleted", "a", `prefect.artifact.${a.id}`],
    ]);
    expect(seen[0].resource["prefect.resource.name"]).toBe("evt");
    expect(seen[0].related[1]).toEqual({
      "prefect.resource.id": `prefect.flow-run.${flowRunId}`,
      "prefect.resource.role": "flow-run",
    });
    expect(seen[0].payload).toEqual({ key: "evt", type: "markdown", data: "a", description: null });
  });

  test("filters: own fields, by flow run, latest, counts and sorts", async () => {
    await make({ key: "f-one", type: "markdown", data: "a", flow_run_id: flowRunId });
    await make({ key: "f-one", type: "markdown", data: "b", flow_run_id: flowRunId });
    await make({ key: "f-two", type: "table", data: "[]", flow_run_id: otherRunId });
    const keys = async (path: string, body: unknown) =>
      ((await call("POST", path, body)).body as any[]).map((a) => `${a.key}:${a.data}`);
    expect(await keys("/api/artifacts/filter", { artifacts: { key: { like_: "f-" } }, sort: "KEY_ASC" })).toHaveLength(
      3,
    );
    expect(
      await keys("/api/artifacts/latest/filter", { artifacts: { key: { like_: "f-" } }, sort: "KEY_ASC" }),
    ).toEqual(["f-one:b", "f-two:[]"]);
    expect(
      await keys("/api/artifacts/filter", {
        artifacts: { key: { any_: ["f-one"] } },
        flow_runs: { tags: { all_: ["keep"] } },
      }),
    ).toEqual(["f-one:b", "f-one:a"]);
    expect(
      await keys("/api/artifacts/filter", { artifacts: { key: { like_: "f-" }, type: { not_any_: ["markdown"] } } }),
    ).toEqual(["f-two:[]"]);
    expect((await call("POST", "/api/artifacts/count", { artifacts: { key: { like_: "f-" } } })).body).toBe(3);
    expect((await call("POST", "/api/artifacts/latest/count", { artifacts: { key: { like_: "f-" } } })).body).toBe(2);
    expect(
      (await call("POST", "/api/artifacts/count", { artifacts: { key: { exists_: false } } })).body,
    ).toBeGreaterThan(0);
    expect((await call("POST", "/api/artifacts/filter", { sort: "NAME_ASC" })).status).toBe(422);
  });

  test("creates and deletes racing on one key leave its latest pointing at an artifact that exists", async () => {
    for (let i = 0; i < (name === "pg" ? 20 : 5); i++) {
      const key = `race-${i}`;
      const first = await make({ key, data: "first" });
      const [second] = await Promise.all([
        make({ key, data: "second" }),
        call("DELETE", `/api/artifacts/${first.id}`),
        make({ key, data: "third" }),
      ]);
      await call("DELETE", `/api/artifacts/${second.id}`);
      const [latest] = (await call("POST", "/api/artifacts/latest/filter", { artifacts: { key: { any_: [key] } } }))
        .body as any[];
      const versions = (await call("POST", "/api/artifacts/filter", { artifacts: { key: { any_: [key] } } }))
        .body as any[];
      expect(versions.map((v) => v.data)).toEqual(["third"]);
      expect(latest).toMatchObject({ latest_id: versions[0].id, data: "third" });
    }
  });

  test("bad input is a 422 and writes nothing", async () => {
    const bad = await call("POST", "/api/artifacts/", { key: "Not Valid", data: "x" });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ loc: ["body", "key"], type: "value_error" });
    expect((await call("POST", "/api/artifacts/", { key: "ok", flow_run_id: "not-a-uuid" })).status).toBe(422);
    expect((await call("POST", "/api/artifacts/", { key: "ok", metadata_: { n: 1 } })).status).toBe(422);
    expect((await call("POST", "/api/artifacts/", { key: "ok", surprise: 1 })).status).toBe(422);
    expect((await call("POST", "/api/artifacts/", "text")).status).toBe(422);
    expect((await call("GET", "/api/artifacts/ok/latest")).status).toBe(404);
  });
});
