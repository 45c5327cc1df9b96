import { afterAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";

describe("health, versions and transport", async () => {
  const t = await testApp();
  afterAll(() => t.close());

  test.each([
    ["/api/health", true],
    ["/api/health/", true],
    ["/api/version", "0.8.4"],
    ["/api/admin/version", "3.9.1"],
  ])("GET %s", async (path, body) => {
    const r = await t.call(path);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(await r.json()).toEqual(body);
  });

  test("the SDK accepts our admin version: same major as the client (3)", async () => {
    const v = (await (await t.call("/api/admin/version")).json()) as string;
    expect(v.split(".")[0]).toBe("3");
  });

  test("CSRF off: 422 with Prefect's exact text, which the SDK looks for", async () => {
    const r = await t.call("/api/csrf-token?client=abc");
    expect(r.status).toBe(422);
    expect(await r.json()).toEqual({ detail: "CSRF protection is disabled." });
  });

  test("unknown routes are JSON 404s", async () => {
    for (const path of ["/api/nope", "/api/flows/x/y/z", "/nothing-here"]) {
      const r = await t.call(path);
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ detail: "Not Found" });
    }
  });

  test("X-PREFECT-API-VERSION: malformed or too old is 400, current passes", async () => {
    expect((await t.call("/api/health", { headers: { "x-prefect-api-version": "0.8.4" } })).status).toBe(200);
    const old = await t.call("/api/health", { headers: { "x-prefect-api-version": "0.7.9" } });
    expect(old.status).toBe(400);
    expect(((await old.json()) as { detail: string }).detail).toContain(">= 0.8.0");
    const bad = await t.call("/api/health", { headers: { "x-prefect-api-version": "latest" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain("Invalid X-PREFECT-API-VERSION header format");
  });

  test("the dashboard root answers HTML with htmx embedded", async () => {
    const r = await t.call("/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await r.text();
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).toContain('src="/static/htmx.min.js"');
    const js = await t.call("/static/htmx.min.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(10_000);
  });
});

describe("basic auth", async () => {
  const t = await testApp({ authString: "admin:s3cret" });
  afterAll(() => t.close());
  const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString("base64")}` });

  test("health stays open", async () => {
    expect((await t.call("/api/health")).status).toBe(200);
  });

  test("everything else needs the right credentials", async () => {
    for (const path of ["/api/version", "/api/admin/version", "/"]) {
      const none = await t.call(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Basic");
      expect(await none.json()).toEqual({ exception_message: "Unauthorized" });
      expect((await t.call(path, { headers: basic("admin:wrong") })).status).toBe(401);
      expect((await t.call(path, { headers: { authorization: "Bearer admin:s3cret" } })).status).toBe(401);
      expect((await t.call(path, { headers: basic("admin:s3cret") })).status).toBe(200);
    }
  });
});

describe("auth off", async () => {
  const t = await testApp({ authString: null });
  afterAll(() => t.close());
  test("no credentials needed", async () => {
    expect((await t.call("/api/admin/version")).status).toBe(200);
  });
});

describe("CSRF on", async () => {
  const t = await testApp({ csrfEnabled: true });
  afterAll(() => t.close());

  test("a token is issued per client and required on mutating API requests", async () => {
    const r = await t.call("/api/csrf-token?client=c1");
    expect(r.status).toBe(200);
    const body = (await r.json()) as { token: string; client: string; expiration: string };
    expect(body.client).toBe("c1");
    expect(body.token.length).toBeGreaterThanOrEqual(32);
    const missing = await t.call("/api/flows/", { method: "POST", json: { name: "x" } });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ detail: "Invalid CSRF token" });
    const wrong = await t.call("/api/flows/", {
      method: "POST",
      json: { name: "x" },
      headers: { "prefect-csrf-client": "c1", "prefect-csrf-token": "nope" },
    });
    expect(wrong.status).toBe(403);
    // With the right token the request goes through CSRF (and reaches routing).
    const ok = await t.call("/api/flows/", {
      method: "POST",
      json: { name: "x" },
      headers: { "prefect-csrf-client": "c1", "prefect-csrf-token": body.token },
    });
    expect(ok.status).not.toBe(403);
  });

  test("a token request without a client is a 422", async () => {
    expect((await t.call("/api/csrf-token")).status).toBe(422);
  });
});

describe("admin settings and storage", async () => {
  const t = await testApp({ authString: "u:p" });
  afterAll(() => t.close());
  const auth = { authorization: `Basic ${Buffer.from("u:p").toString("base64")}` };
  test("settings tell the SDK analytics are off and hide secrets", async () => {
    const body = (await (await t.call("/api/admin/settings", { headers: auth })).json()) as {
      server: { analytics_enabled: boolean; api: Record<string, unknown>; database?: Record<string, unknown> };
    };
    expect(body.server.analytics_enabled).toBe(false);
    // Prefect's schema marks both writeOnly: not even a mask goes out.
    expect("auth_string" in body.server.api).toBe(false);
    expect(body.server.database?.connection_url).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain("u:p");
  });
  test("no default result storage block", async () => {
    expect(await (await t.call("/api/admin/storage", { headers: auth })).json()).toEqual({
      default_result_storage_block_id: null,
    });
  });
});
