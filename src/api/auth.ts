// HTTP basic auth when PREFECT_SERVER_API_AUTH_STRING is set: every request but the health probes needs
// `Authorization: Basic base64(auth_string)`, which is what the SDK sends from PREFECT_API_AUTH_STRING.
// WebSocket routes alone may defer to their handshake (Prefect's protocol authenticates in the first
// message), and only for a real upgrade: a GET with `Upgrade: websocket` to a path routed as a socket.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";
import { safeEqual } from "../core/safe-equal.ts";
import { appErrorResponse } from "./errors.ts";

const OPEN_PATHS = new Set(["/api/health", "/api/ready"]);
// Canonical base64 only: Buffer.from(…, "base64") skips junk characters, so "dXNlcjpwYXNz!!" would pass.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isAuthorised(header: string | null, authString: string): boolean {
  if (!header?.startsWith("Basic ")) return false;
  const encoded = header.slice(6).trim();
  if (!BASE64.test(encoded)) return false;
  return safeEqual(Buffer.from(encoded, "base64"), authString);
}

const trimSlashes = (path: string) => path.replace(/\/+$/, "") || "/";

/**
 * `socketPaths` lists the routed WebSocket paths (read from the app's own routes when a request
 * arrives, so a socket added later is covered without a list kept by hand).
 */
export function basicAuth(authString: string | null, socketPaths: () => ReadonlySet<string>) {
  const plugin = new Elysia({ name: "api.auth", seed: authString ?? "" });
  if (!authString) return plugin;
  return plugin.onRequest(({ request }) => {
    const path = trimSlashes(new URL(request.url).pathname);
    if (OPEN_PATHS.has(path)) return;
    const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (upgrade && request.method === "GET" && socketPaths().has(path)) return;
    if (!isAuthorised(request.headers.get("authorization"), authString)) {
      return appErrorResponse(new AppError("unauthorised", "Unauthorized"));
    }
  });
}

/** The WebSocket paths an app routes, slashes trimmed as basicAuth compares them. */
export function socketPathsOf(app: { routes: Array<{ method: string; path: string }> }): Set<string> {
  return new Set(app.routes.filter((r) => r.method === "WS").map((r) => trimSlashes(r.path)));
}
