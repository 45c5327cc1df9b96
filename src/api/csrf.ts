// CSRF protection as Prefect does it: GET /api/csrf-token?client=ID issues a token for that client; every
// POST/PUT/PATCH/DELETE must then carry Prefect-Csrf-Token and Prefect-Csrf-Client. Tokens live in memory:
// one process serves one SQLite file, and a restarted server makes clients fetch a fresh token (403 → refetch).
//
// The store is bounded: anyone may ask for tokens, so at most MAX_TOKENS live at once (the oldest goes
// first) and each request does constant work. A Map keeps insertion order and every token lives for the
// same TTL, so the oldest entries are also the first to expire: expiry only ever looks at the front.
import { Elysia } from "elysia";
import { invalid } from "../core/errors.ts";
import { safeEqual } from "../core/safe-equal.ts";
import { jsonResponse } from "../core/responses.ts";

const TTL_MS = 3600_000;
/** Far more SDK processes than one server sees in an hour, and about 2 MB of tokens at most. */
export const MAX_TOKENS = 10_000;
const MAX_CLIENT_LENGTH = 256;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const json = (status: number, body: unknown) => jsonResponse(body, status);

interface Entry {
  token: string;
  expiration: number;
  created: string;
}

export class CsrfTokens {
  private readonly tokens = new Map<string, Entry>();
  constructor(private readonly max = MAX_TOKENS) {}

  get size(): number {
    return this.tokens.size;
  }

  issue(client: string, now = Date.now()): Entry {
    this.expire(now);
    // Re-issuing moves the client to the back, keeping the map ordered by creation time.
    this.tokens.delete(client);
    const entry = {
      token: crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", ""),
      expiration: now + TTL_MS,
      created: new Date(now).toISOString(),
    };
    this.tokens.set(client, entry);
    if (this.tokens.size > this.max) this.tokens.delete(this.tokens.keys().next().value!);
    return entry;
  }

  valid(client: string, token: string, now = Date.now()): boolean {
    const entry = this.tokens.get(client);
    return !!entry && entry.expiration >= now && safeEqual(entry.token, token);
  }

  private expire(now: number): void {
    for (const [client, entry] of this.tokens) {
      if (entry.expiration >= now) return;
      this.tokens.delete(client);
    }
  }
}

export function csrf(enabled: boolean, tokens = new CsrfTokens()) {
  const plugin = new Elysia({ name: "api.csrf", seed: enabled }).get("/csrf-token", ({ query }) => {
    if (!enabled) return json(422, { detail: "CSRF protection is disabled." });
    const client = typeof query.client === "string" ? query.client : "";
    if (!client) return json(422, { detail: "Missing 'client' query parameter." });
    if (client.length > MAX_CLIENT_LENGTH) {
      throw invalid("client is too long", [
        {
          loc: ["query", "client"],
          msg: `String should have at most ${MAX_CLIENT_LENGTH} characters`,
          type: "string_too_long",
        },
      ]);
    }
    const entry = tokens.issue(client);
    return {
      id: crypto.randomUUID(),
      created: entry.created,
      updated: entry.created,
      token: entry.token,
      client,
      expiration: new Date(entry.expiration).toISOString(),
    };
  });
  if (!enabled) return plugin;
  return plugin.onRequest(({ request }) => {
    if (!MUTATING.has(request.method)) return;
    if (!new URL(request.url).pathname.startsWith("/api/")) return; // dashboard forms carry their own token
    const client = request.headers.get("prefect-csrf-client") ?? "";
    const token = request.headers.get("prefect-csrf-token") ?? "";
    if (!tokens.valid(client, token)) return json(403, { detail: "Invalid CSRF token" });
  });
}
