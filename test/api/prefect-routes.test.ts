// Every route Prefect's server has answers either as implemented or with a 501 that names it — never a
// bare "Not Found" for a path Prefect routes — except the two the SDK needs as 404s. The route list is
// checked against Prefect's published schema, and the README's list against the server's.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { prefectRoutes, SCHEMA } from "../../build/prefect-routes.ts";
import { notImplementedRoutes, README, section, withSection } from "../../build/readme-routes.ts";
import { KEEP_404, missingRoutes, routeKey } from "../../src/api/not-implemented.ts";
import PREFECT_ROUTES from "../../src/api/prefect-routes.json" with { type: "json" };
import { testApp } from "../support/app.ts";

const ID = "0192f9d2-4f6b-7c3e-9a10-0123456789ab";

describe("Prefect's routes", async () => {
  const t = await testApp();
  afterAll(() => t.close());

  test("each answers as implemented or 501 with Prefect's body naming it; the SDK's two 404s stay", async () => {
    const bare: string[] = [];
    const unnamed: string[] = [];
    for (const r of PREFECT_ROUTES) {
      const path = `/api${r.path.replace(/\{[^}]+\}/g, ID)}`;
      const method = r.method === "WS" ? "GET" : r.method;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (r.method === "WS")
        Object.assign(headers, {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        });
      const res = await t.call(path, {
        method,
        headers,
        body: method === "GET" || method === "DELETE" ? undefined : "{}",
      });
      const text = res.status === 101 ? "" : await res.text();
      const kept = KEEP_404.has(routeKey(r.method, r.path));
      if (kept) {
        expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
          route: `${r.method} ${r.path}`,
          status: 404,
        });
        continue;
      }
      if (res.status === 404 && text.includes('"Not Found"')) bare.push(`${r.method} ${r.path}`);
      if (res.status === 501) {
        const body = JSON.parse(text) as { exception_message: string; exception_detail: Array<{ msg: string }> };
        const shown = `${r.method === "WS" ? "WebSocket" : r.method} /api${r.path}`;
        if (!body.exception_message.startsWith(shown) || !body.exception_detail[0].msg.includes("not implemented"))
          unnamed.push(`${shown}: ${text}`);
      }
    }
    expect(bare).toEqual([]);
    expect(unnamed).toEqual([]);
  });

  test("a route the app gains leaves the 501 list by itself", () => {
    const stubbed = t.app.notImplemented.map((r) => routeKey(r.method, r.path));
    expect(stubbed).toContain("PUT /admin/storage");
    // The app's own routes: its routes less the 501 stubs it mounted.
    const own = t.app.routes.filter((r) => !stubbed.includes(routeKey(r.method, r.path)));
    expect(missingRoutes(own).length).toBe(stubbed.length);
    const gained = missingRoutes([...own, { method: "PUT", path: "/api/admin/storage" }]).map((r) =>
      routeKey(r.method, r.path),
    );
    expect(gained).not.toContain("PUT /admin/storage");
    expect(gained.length).toBe(stubbed.length - 1);
  });

  // CI has ../shared beside the clone; a checkout without it has nothing to compare with.
  test.if(existsSync(SCHEMA) || !!process.env.CI)(
    "src/api/prefect-routes.json is what build/prefect-routes.ts makes of Prefect's schema",
    () => {
      expect(PREFECT_ROUTES).toEqual(prefectRoutes());
    },
  );

  test("README's list of routes not implemented is current (bun build/readme-routes.ts)", async () => {
    const readme = await Bun.file(README).text();
    expect(withSection(readme, section(await notImplementedRoutes()))).toBe(readme);
  });
});
