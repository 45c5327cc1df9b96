// Cross-site requests are refused before anything else reads them. A web page on any other site can make
// a browser send a POST (an HTML form, or fetch in no-cors mode) or open a WebSocket to this server;
// without CSRF protection (off by default, as in Prefect) such a request would act with the server's
// authority. Browsers say where a request comes from (Sec-Fetch-Site, Origin); the SDK, the CLI and
// curl send neither header, so they are never affected.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";
import { appErrorResponse } from "./errors.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// "none" is a user typing the address or following a bookmark; "same-site" is still another origin
// (another port on localhost, a sibling subdomain), so it is refused too.
const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** Why a browser request is cross-site, or null when it is same-origin or not from a browser. */
export function crossSiteReason(request: Request): string | null {
  const site = request.headers.get("sec-fetch-site");
  if (site && !ALLOWED_FETCH_SITES.has(site.toLowerCase())) return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  const from = originHost(origin);
  const hosts = [request.headers.get("host"), request.headers.get("x-forwarded-host"), new URL(request.url).host];
  if (from && hosts.some((h) => h?.toLowerCase() === from)) return null;
  return `Origin: ${origin}`;
}

export const sameOrigin = new Elysia({ name: "api.same-origin" }).onRequest(({ request }) => {
  const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (!upgrade && !MUTATING.has(request.method)) return;
  const reason = crossSiteReason(request);
  if (reason) return appErrorResponse(new AppError("forbidden", `Cross-site request refused (${reason}).`));
});
