// /api/openapi.json is generated from the routes' own models, lists every implemented API route (not
// the 501 stubs, not dashboard pages), and sits behind auth like the rest; /api/docs and its assets
// come from the binary.
import { afterAll, describe, expect, test } from "bun:test";
import { routeKey } from "../../src/api/not-implemented.ts";
import { testApp } from "../support/app.ts";

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>
  >;
};

describe("OpenAPI document and docs page", async () => {
  const t = await testApp();
  afterAll(() => t.close());
  const doc = (await (await t.call("/api/openapi.json")).json()) as Doc;
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => routeKey(m.toUpperCase(), path))),
  );

  test("every implemented API route is documented; stubs and pages are not", () => {
    expect(doc.openapi).toBe("3.1.0");
    const stubs = new Set(t.app.notImplemented.map((r) => routeKey(r.method === "WS" ? "GET" : r.method, r.path)));
    const own = t.app.routes.filter(
      (r) =>
        r.path.startsWith("/api/") &&
        !r.path.startsWith("/api/docs") &&
        r.path !== "/api/openapi.json" &&
        r.method !== "WS",
    );
    const missing = own
      .filter((r) => !stubs.has(routeKey(r.method, r.path)) && !documented.has(routeKey(r.method, r.path)))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    for (const key of stubs) expect(documented.has(key)).toBe(false);
    expect([...documented].some((k) => !k.split(" ")[1].startsWith("/") || k.includes(" /runs"))).toBe(false);
  });

  test("request bodies carry the models the server validates with", () => {
    const create = doc.paths["/api/flows/"].post.requestBody!.content["application/json"].schema as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(create.required).toEqual(["name"]);
    expect(Object.keys(create.properties)).toEqual(expect.arrayContaining(["name", "tags", "labels"]));
    const setState = doc.paths["/api/flow_runs/{id}/set_state"].post.requestBody!.content["application/json"]
      .schema as { properties: { state: { properties: Record<string, unknown> } } };
    expect(Object.keys(setState.properties.state.properties)).toEqual(
      expect.arrayContaining(["type", "state_details"]),
    );
  });

  test("/api/docs and its assets are served from the binary; /docs redirects", async () => {
    const page = await (await t.call("/api/docs")).text();
    expect(page).toContain('src="/api/docs/assets/swagger-ui-bundle.js"');
    expect(page).not.toMatch(/https?:\/\//);
    for (const asset of ["swagger-ui-bundle.js", "swagger-ui.css", "docs.js"])
      expect((await t.call(`/api/docs/assets/${asset}`)).status).toBe(200);
    const r = await t.call("/docs");
    expect(r.status).toBe(307);
    expect(r.headers.get("location")).toBe("/api/docs");
  });

  test("behind basic auth when auth is on", async () => {
    const locked = await testApp({ authString: "u:p" });
    try {
      for (const path of ["/api/openapi.json", "/api/docs", "/api/docs/assets/docs.js", "/docs"])
        expect((await locked.call(path)).status).toBe(401);
      expect(
        (await locked.call("/api/openapi.json", { headers: { authorization: `Basic ${btoa("u:p")}` } })).status,
      ).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
