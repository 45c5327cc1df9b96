// HTTP basic auth when PREFECT_SERVER_API_AUTH_STRING is set: every request but the health probes needs
// `Authorization: Basic base64(auth_string)`, which is what the SDK sends from PREFECT_API_AUTH_STRING.
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { appErrorResponse } from "./errors.ts";
import { AppError } from "../core/errors.ts";

const OPEN_PATHS = new Set(["/api/health", "/api/ready"]);

export function isAuthorised(header: string | null, authString: string): boolean {
  if (!header?.startsWith("Basic ")) return false;
  const got = Buffer.from(header.slice(6).trim(), "base64");
  const want = Buffer.from(authString, "utf8");
  return got.length === want.length && timingSafeEqual(got, want);
}

export function basicAuth(authString: string | null) {
  const plugin = new Elysia({ name: "api.auth", seed: authString ?? "" });
  if (!authString) return plugin;
  return plugin.onRequest(({ request }) => {
    const path = new URL(request.url).pathname.replace(/\/+$/, "");
    if (OPEN_PATHS.has(path)) return;
    // WebSocket clients authenticate in their first message (the Prefect protocol), not on the upgrade.
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return;
    if (!isAuthorised(request.headers.get("authorization"), authString)) {
      return appErrorResponse(new AppError("unauthorised", "Unauthorized"));
    }
  });
}
