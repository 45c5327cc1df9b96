// /api/saved_searches through app.handle on every dialect: PUT creates (201) and replaces by name (200),
// read, list by name, delete, and bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

const FILTER = { object: "flow_run", property: "state", type: "state", operation: "or", value: ["Failed"] };

describe.each(DIALECTS)("saved searches API on $name", ({ url }) => {
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

  test("PUT creates, then replaces the filters of the same name", async () => {
    const a = await call("PUT", "/api/saved_searches/", { name: "failures", filters: [FILTER] });
    expect(a.status).toBe(201);
    expect(Object.keys(a.body)).toEqual(["id", "created", "updated", "name", "filters"]);
    expect(a.body.filters).toEqual([FILTER]);
    const b = await call("PUT", "/api/saved_searches/", { name: "failures", filters: [] });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ id: a.body.id, filters: [] });
    expect((await call("GET", `/api/saved_searches/${a.body.id}`)).body).toEqual(b.body);
  });

  test("listed by name; deleted; missing is 404", async () => {
    await call("PUT", "/api/saved_searches/", { name: "b-search" });
    await call("PUT", "/api/saved_searches/", { name: "a-search", filters: [FILTER] });
    const all = (await call("POST", "/api/saved_searches/filter", {})).body as any[];
    expect(all.map((s) => s.name)).toEqual(["a-search", "b-search", "failures"]);
    expect(((await call("POST", "/api/saved_searches/filter", { limit: 1, offset: 1 })).body as any[])[0].name).toBe(
      "b-search",
    );
    const id = all[0].id;
    expect((await call("DELETE", `/api/saved_searches/${id}`)).status).toBe(204);
    expect(await call("GET", `/api/saved_searches/${id}`)).toEqual({
      status: 404,
      body: { detail: "Saved search not found" },
    });
    expect((await call("DELETE", `/api/saved_searches/${id}`)).status).toBe(404);
  });

  test("bad input is 422", async () => {
    expect((await call("PUT", "/api/saved_searches/", { filters: [] })).status).toBe(422);
    expect((await call("PUT", "/api/saved_searches/", { name: "x", filters: [{ object: "flow_run" }] })).status).toBe(
      422,
    );
    expect((await call("PUT", "/api/saved_searches/", { name: "x", extra: 1 })).status).toBe(422);
    expect((await call("PUT", "/api/saved_searches/", { name: "x", filters: null })).status).toBe(422);
    // As Prefect: a path that is not a UUID matches no route.
    expect((await call("GET", "/api/saved_searches/not-a-uuid")).status).toBe(404);
  });
});
