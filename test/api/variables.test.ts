// /api/variables through app.handle on every dialect: any JSON value round-trips, Prefect's name and
// size rules, 409 on a taken name, filter/count/sort, update and delete by id and by name.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("variables API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };

  beforeAll(async () => {
    t = await testApp({}, await url());
  });
  afterAll(() => t.close());

  test("values of every JSON kind round-trip, by id and by name", async () => {
    const values: Array<[string, unknown]> = [
      ["s", "hello"],
      ["n", 42.5],
      ["b", false],
      ["z", null],
      ["l", [1, "two", { three: 3 }]],
      ["o", { nested: { deep: [true] }, text: "x" }],
      ["json_text", '{"looks": "like json"}'],
    ];
    for (const [name, value] of values) {
      const r = await call("POST", "/api/variables/", { name, value, tags: ["t1"] });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ name, value, tags: ["t1"] });
      expect(Object.keys(r.body)).toEqual(["id", "created", "updated", "name", "value", "tags"]);
      expect((await call("GET", `/api/variables/${r.body.id}`)).body).toEqual(r.body);
      expect((await call("GET", `/api/variables/name/${name}`)).body).toEqual(r.body);
    }
  });

  test("a taken name is 409; bad names, oversized values and extra keys are 422", async () => {
    await call("POST", "/api/variables/", { name: "taken", value: 1 });
    const dup = await call("POST", "/api/variables/", { name: "taken", value: 2 });
    expect(dup).toEqual({ status: 409, body: { detail: "A variable with the name 'taken' already exists." } });
    const bad = await call("POST", "/api/variables/", { name: "Has Space", value: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ loc: ["body", "name"], type: "value_error" });
    const long = await call("POST", "/api/variables/", { name: "x".repeat(256), value: 1 });
    expect(long.status).toBe(422);
    const big = await call("POST", "/api/variables/", { name: "big", value: "x".repeat(5_000) });
    expect(big.status).toBe(422);
    expect(big.body.exception_detail[0].msg).toContain("less than 5000 characters");
    expect((await call("POST", "/api/variables/", { name: "nov" })).status).toBe(422);
    expect((await call("POST", "/api/variables/", { name: "extra", value: 1, other: 1 })).status).toBe(422);
    expect((await call("POST", "/api/variables/", [1])).status).toBe(422);
    expect((await call("POST", "/api/variables/", { name: "nulltags", value: 1, tags: null })).status).toBe(422);
    // Nothing was half-written.
    expect((await call("GET", "/api/variables/name/big")).status).toBe(404);
  });

  test("a missing variable is Prefect's 404", async () => {
    expect(await call("GET", "/api/variables/name/missing")).toEqual({
      status: 404,
      body: { detail: "Variable not found." },
    });
    expect((await call("GET", "/api/variables/0190b8a0-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await call("PATCH", "/api/variables/name/missing", { value: 1 })).status).toBe(404);
    expect((await call("DELETE", "/api/variables/name/missing")).status).toBe(404);
  });

  test("filter by name, like_ and tags; count; sorts", async () => {
    await call("POST", "/api/variables/", { name: "filt_a", value: 1, tags: ["red", "blue"] });
    await call("POST", "/api/variables/", { name: "filt_b", value: 2, tags: ["red"] });
    await call("POST", "/api/variables/", { name: "filt_c", value: 3 });
    const names = async (body: unknown) =>
      ((await call("POST", "/api/variables/filter", body)).body as any[]).map((v) => v.name);
    expect(await names({ variables: { name: { like_: "filt_" } } })).toEqual(["filt_a", "filt_b", "filt_c"]);
    expect(await names({ variables: { name: { like_: "filt_" } }, sort: "NAME_DESC" })).toEqual([
      "filt_c",
      "filt_b",
      "filt_a",
    ]);
    expect(await names({ variables: { tags: { all_: ["red", "blue"] } } })).toEqual(["filt_a"]);
    expect(await names({ variables: { name: { like_: "filt_" }, tags: { is_null_: true } } })).toEqual(["filt_c"]);
    expect(await names({ variables: { name: { any_: ["filt_b"] } } })).toEqual(["filt_b"]);
    expect(await names({ variables: { name: { like_: "filt_" } }, limit: 1, offset: 1 })).toEqual(["filt_b"]);
    expect((await call("POST", "/api/variables/count", { variables: { tags: { all_: ["red"] } } })).body).toBe(2);
    expect((await call("POST", "/api/variables/filter", { sort: "NOPE" })).status).toBe(422);
    expect((await call("POST", "/api/variables/filter", { limit: null })).status).toBe(200);
  });

  test("update by id and by name writes only what is sent; rename onto a taken name is 409", async () => {
    const v = (await call("POST", "/api/variables/", { name: "upd", value: { a: 1 }, tags: ["x"] })).body;
    expect((await call("PATCH", `/api/variables/${v.id}`, { value: [1, 2] })).status).toBe(204);
    let now = (await call("GET", "/api/variables/name/upd")).body;
    expect(now).toMatchObject({ value: [1, 2], tags: ["x"] });
    expect(now.updated >= v.updated).toBe(true);
    expect((await call("PATCH", "/api/variables/name/upd", { tags: ["y"], name: "upd2" })).status).toBe(204);
    now = (await call("GET", `/api/variables/${v.id}`)).body;
    expect(now).toMatchObject({ name: "upd2", value: [1, 2], tags: ["y"] });
    await call("POST", "/api/variables/", { name: "other", value: 1 });
    expect((await call("PATCH", "/api/variables/name/upd2", { name: "other" })).status).toBe(409);
    expect((await call("PATCH", "/api/variables/name/upd2", { value: "x".repeat(6_000) })).status).toBe(422);
    expect((await call("GET", `/api/variables/${v.id}`)).body.name).toBe("upd2");
  });

  test("create, update and delete publish Prefect's prefect.variable.* events", async () => {
    const seen: any[] = [];
    t.app.bus.subscribe((es) => seen.push(...es.filter((e) => e.event.startsWith("prefect.variable."))));
    const v = (await call("POST", "/api/variables/", { name: "evented", value: [1], tags: ["e"] })).body;
    await call("PATCH", "/api/variables/name/evented", { value: { two: 2 } });
    await call("DELETE", `/api/variables/${v.id}`);
    await call("DELETE", `/api/variables/${v.id}`);
    expect(seen.map((e) => [e.event, e.payload.value])).toEqual([
      ["prefect.variable.created", [1]],
      ["prefect.variable.updated", { two: 2 }],
      ["prefect.variable.deleted", { two: 2 }],
    ]);
    expect(seen[0].resource).toEqual({
      "prefect.resource.id": `prefect.variable.${v.id}`,
      "prefect.resource.name": "evented",
    });
    expect(seen[0].payload).toEqual({ name: "evented", value: [1], tags: ["e"] });
  });

  test("delete by id and by name", async () => {
    const a = (await call("POST", "/api/variables/", { name: "del_a", value: 1 })).body;
    await call("POST", "/api/variables/", { name: "del_b", value: 1 });
    expect((await call("DELETE", `/api/variables/${a.id}`)).status).toBe(204);
    expect((await call("DELETE", "/api/variables/name/del_b")).status).toBe(204);
    expect((await call("POST", "/api/variables/count", { variables: { name: { like_: "del_" } } })).body).toBe(0);
  });
});
