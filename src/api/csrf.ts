// CSRF protection as Prefect does it: GET /api/csrf-token?client=ID issues a token for that client; every
// POST/PUT/PATCH/DELETE must then carry Prefect-Csrf-Token and Prefect-Csrf-Client. Tokens live in memory:
// one process serves one SQLite file, and a restarted server makes clients fetch a fresh token (403 → refetch).
import { Elysia } from "elysia";

const TTL_MS = 3600_000;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export function csrf(enabled: boolean) {
  const tokens = new Map<string, { token: string; expiration: number; created: string }>();
  const plugin = new Elysia({ name: "api.csrf", seed: enabled }).get("/csrf-token", ({ query }) => {
    if (!enabled) return json(422, { detail: "CSRF protection is disabled." });
    const client = typeof query.client === "string" ? query.client : "";
    if (!client) return json(422, { detail: "Missing 'client' query parameter." });
    const now = Date.now();
    // Every SDK process asks with a new client id; drop expired tokens so the map stays as small as
    // the number of live clients.
    for (const [c, e] of tokens) if (e.expiration < now) tokens.delete(c);
    const entry = { token: crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", ""), expiration: now + TTL_MS, created: new Date(now).toISOString() };
    tokens.set(client, entry);
    return { id: crypto.randomUUID(), created: entry.created, updated: entry.created, token: entry.token, client, expiration: new Date(entry.expiration).toISOString() };
  });
  if (!enabled) return plugin;
  return plugin.onRequest(({ request }) => {
    if (!MUTATING.has(request.method)) return;
    if (!new URL(request.url).pathname.startsWith("/api/")) return; // dashboard forms carry their own token
    const client = request.headers.get("prefect-csrf-client") ?? "";
    const token = request.headers.get("prefect-csrf-token") ?? "";
    const entry = tokens.get(client);
    if (!entry || entry.token !== token || entry.expiration < Date.now()) return json(403, { detail: "Invalid CSRF token" });
  });
}
