// Basic auth over every route the app has, read from the app itself so a route added later is covered
// without editing this file: HTTP without, with wrong and with right credentials, and with the
// `Upgrade: websocket` header that once let any request past auth; WebSocket routes through a real
// socket, where auth happens in the first message.
import { afterAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";

const AUTH = "admin:s3cret";
const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
const ID = "0192f9d2-4f6b-7c3e-9a10-0123456789ab";
const OPEN = new Set(["/api/health", "/api/ready"]);

/** A concrete path for a route pattern: ids where a route takes an id, plain words elsewhere. */
function concrete(path: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) => (name === "id" ? ID : name === "file" ? "app.css" : "x"));
}

describe("basic auth on every route", async () => {
  const t = await testApp({ authString: AUTH });
  afterAll(() => t.close());
  const routes = t.app.routes
    .filter((r) => r.method !== "WS")
    .map((r) => ({ method: r.method, path: concrete(r.path) }));
  const sockets = t.app.routes.filter((r) => r.method === "WS").map((r) => r.path);

  test("the app has routes and sockets to check", () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(sockets).toEqual(expect.arrayContaining(["/api/events/in", "/api/events/out"]));
  });

  const call = (method: string, path: string, headers: Record<string, string>) =>
    t.call(path, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: method === "GET" ? undefined : "{}",
    });

  test("no credentials, wrong ones, another scheme, junk base64 and the Upgrade header all get 401", async () => {
    const refused: string[] = [];
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: basic("admin:wrong") },
      { authorization: basic("admin:s3cre") },
      { authorization: `Bearer ${AUTH}` },
      // Lenient base64 decoders skip junk characters; this must not pass as admin:s3cret.
      { authorization: `Basic ${Buffer.from(AUTH).toString("base64")}!!` },
      { authorization: `Basic ${Buffer.from(AUTH).toString("base64").slice(0, -1)}*` },
      { upgrade: "websocket" },
      {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    ];
    for (const r of routes) {
      if (OPEN.has(r.path)) continue;
      for (const headers of wrong) {
        const res = await call(r.method, r.path, headers);
        if (res.status !== 401) refused.push(`${r.method} ${r.path} ${JSON.stringify(headers)} → ${res.status}`);
      }
    }
    expect(refused).toEqual([]);
  });

  test("the right credentials get past auth on every route", async () => {
    const stopped: string[] = [];
    for (const r of routes) {
      const res = await call(r.method, r.path, { authorization: basic(AUTH) });
      if (res.status === 401) stopped.push(`${r.method} ${r.path}`);
    }
    expect(stopped).toEqual([]);
  });

  test("the reported bypass: bulk_delete with Upgrade and no credentials deletes nothing", async () => {
    const auth = { authorization: basic(AUTH) };
    const flow = (await (
      await t.call("/api/flows/", { method: "POST", json: { name: "keep" }, headers: auth })
    ).json()) as { id: string };
    const run = await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flow.id }, headers: auth });
    expect(run.status).toBe(201);
    const res = await call("POST", "/api/flow_runs/bulk_delete", { upgrade: "websocket" });
    expect(res.status).toBe(401);
    expect(await (await t.call("/api/flow_runs/count", { method: "POST", json: {}, headers: auth })).json()).toBe(1);
  });

  test("health and readiness stay open", async () => {
    for (const path of OPEN) expect((await t.call(path)).status).toBe(200);
  });
});

describe("WebSocket routes authenticate in their first message", async () => {
  const t = await testApp({ authString: AUTH });
  const server = t.app.listen({ hostname: "127.0.0.1", port: 0 });
  const base = `ws://127.0.0.1:${server.server!.port}`;
  afterAll(async () => {
    await t.app.stop();
    await t.close();
  });
  const sockets = t.app.routes.filter((r) => r.method === "WS").map((r) => r.path);

  /** Opens a socket, sends an auth message, and reports the first answer or the close code. */
  function handshake(path: string, token: string | undefined): Promise<{ message?: string; close?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${base}${path}`, ["prefect"]);
      const timer = setTimeout(() => resolve({}), 5000);
      ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
      ws.onmessage = (m) => {
        clearTimeout(timer);
        resolve({ message: String(m.data) });
        ws.close();
      };
      ws.onclose = (e) => {
        clearTimeout(timer);
        resolve({ close: e.code });
      };
    });
  }

  test.each(["/api/events/in", "/api/events/out"])(
    "%s: no token and a wrong token are closed, the right one succeeds",
    async (path) => {
      expect(sockets).toContain(path);
      expect((await handshake(path, undefined)).close).toBe(1008);
      expect((await handshake(path, "admin:wrong")).close).toBe(1008);
      expect(JSON.parse((await handshake(path, AUTH)).message ?? "{}")).toEqual({ type: "auth_success" });
    },
  );

  test("every socket the app routes refuses a wrong token", async () => {
    for (const path of sockets) expect((await handshake(path, "nope")).close).toBe(1008);
  });
});
