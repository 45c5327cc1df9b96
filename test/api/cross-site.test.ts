// What a web page on another site can make a browser send: form posts, no-cors fetches and WebSocket
// upgrades. All are refused before they act; the SDK, the CLI and curl (which send no Origin or
// Sec-Fetch-Site) pass as before. Also the bounded CSRF token store and the headers every response has.
import { afterAll, describe, expect, test } from "bun:test";
import { CsrfTokens } from "../../src/api/csrf.ts";
import { SECURITY_HEADERS } from "../../src/api/security-headers.ts";
import { testApp } from "../support/app.ts";

describe("cross-site requests", async () => {
  const t = await testApp();
  afterAll(() => t.close());
  const count = async () =>
    (await (await t.call("/api/flow_runs/count", { method: "POST", json: {} })).json()) as number;

  const flow = (await (await t.call("/api/flows/", { method: "POST", json: { name: "victim" } })).json()) as {
    id: string;
  };
  await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flow.id } });

  test("an HTML form post (urlencoded, multipart or text) to the API is a 415 and deletes nothing", async () => {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "a=1"],
      ["multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--"],
      ["text/plain", "{}"],
    ]) {
      const r = await t.call("/api/flow_runs/bulk_delete", { method: "POST", body, headers: { "content-type": type } });
      expect({ type, status: r.status }).toEqual({ type, status: 415 });
      expect(((await r.json()) as { detail: string }).detail).toContain("application/json");
    }
    expect(await count()).toBe(1);
  });

  test("requests a browser marks as cross-site are a 403, whatever their content type", async () => {
    const browsers: Array<Record<string, string>> = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "https://evil.example" },
      { origin: "http://localhost:4201" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site", origin: "http://localhost" },
    ];
    for (const headers of browsers) {
      for (const method of ["POST", "DELETE", "PATCH"]) {
        const r = await t.call("/api/flow_runs/bulk_delete", { method, json: {}, headers });
        expect({ headers, method, status: r.status }).toEqual({ headers, method, status: 403 });
      }
    }
    // The dashboard's own forms too.
    const r = await t.call("/runs/bulk", {
      method: "POST",
      body: "action=delete",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
    });
    expect(r.status).toBe(403);
    expect(await count()).toBe(1);
  });

  test("a WebSocket upgrade from another origin is refused", async () => {
    const r = await t.call("/api/events/out", {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        origin: "https://evil.example",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(r.status).toBe(403);
  });

  test("same-origin browsers, the SDK and curl pass", async () => {
    const passing: Array<Record<string, string>> = [
      {},
      { "sec-fetch-site": "same-origin", origin: "http://localhost" },
      { "sec-fetch-site": "none" },
      { "user-agent": "curl/8.0" },
    ];
    for (const headers of passing) {
      const r = await t.call("/api/flows/filter", { method: "POST", json: {}, headers });
      expect({ headers, status: r.status }).toEqual({ headers, status: 200 });
    }
    // A body without a content type is JSON, as older SDKs send it.
    expect((await t.call("/api/flows/count", { method: "POST", body: "{}" })).status).toBe(200);
    expect(
      (
        await t.call("/api/flows/count", {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/vnd.api+json" },
        })
      ).status,
    ).toBe(200);
  });
});

describe("CSRF token store", () => {
  test("holds at most its bound; the oldest go first and still-young tokens keep working", () => {
    const tokens = new CsrfTokens(100);
    const issued = Array.from({ length: 1000 }, (_, i) => tokens.issue(`c${i}`, 1_000 + i));
    expect(tokens.size).toBe(100);
    expect(tokens.valid("c0", issued[0].token, 2_000)).toBe(false);
    expect(tokens.valid("c999", issued[999].token, 2_000)).toBe(true);
    expect(tokens.valid("c999", issued[998].token, 2_000)).toBe(false);
    expect(tokens.valid("c999", `${issued[999].token}x`, 2_000)).toBe(false);
  });

  test("expired tokens are refused and swept from the front", () => {
    const tokens = new CsrfTokens(100);
    const a = tokens.issue("a", 0);
    tokens.issue("b", 10);
    expect(tokens.valid("a", a.token, 3_599_999)).toBe(true);
    expect(tokens.valid("a", a.token, 3_600_001)).toBe(false);
    tokens.issue("c", 3_600_005);
    expect(tokens.size).toBe(2);
    tokens.issue("d", 7_200_011);
    expect(tokens.size).toBe(1);
  });

  test("re-issuing a client replaces its token and keeps one entry", () => {
    const tokens = new CsrfTokens(100);
    const first = tokens.issue("a", 0);
    const second = tokens.issue("a", 1);
    expect(tokens.size).toBe(1);
    expect(tokens.valid("a", first.token, 2)).toBe(false);
    expect(tokens.valid("a", second.token, 2)).toBe(true);
  });

  test("through HTTP: 20,000 clients leave a bounded store; a huge client id is a 422", async () => {
    const tokens = new CsrfTokens(500);
    const t = await testApp({ csrfEnabled: true });
    // The app builds its own store; exercise the same class through its route limits.
    for (let i = 0; i < 20_000; i++) tokens.issue(`client-${i}`);
    expect(tokens.size).toBe(500);
    const long = await t.call(`/api/csrf-token?client=${"x".repeat(300)}`);
    expect(long.status).toBe(422);
    const ok = await t.call("/api/csrf-token?client=sdk-1");
    expect(ok.status).toBe(200);
    await t.close();
  });
});

describe("security headers", async () => {
  const t = await testApp();
  afterAll(() => t.close());

  test("pages, assets, API answers and errors all carry them", async () => {
    for (const [path, init] of [
      ["/", {}],
      ["/runs", {}],
      ["/static/app.css", {}],
      ["/api/health", {}],
      ["/nowhere", { headers: { accept: "text/html" } }],
      ["/api/flows/filter", { method: "POST", body: "{" }],
    ] as const) {
      const r = await t.call(path, init as RequestInit);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect({ path, name, value: r.headers.get(name) }).toEqual({ path, name, value });
    }
    expect(SECURITY_HEADERS["content-security-policy"]).toContain("script-src 'self'");
    expect(SECURITY_HEADERS["content-security-policy"]).toContain("frame-ancestors 'none'");
  });
});
