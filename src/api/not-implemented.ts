// Every route Prefect's server has and prefect-lite does not route yet answers 501 with a Prefect-style
// body that names it, so the SDK and CLI print a clear message instead of treating a bare 404 as "no
// such object" (Variable.get would quietly return its default) or crashing on a body they cannot read.
// The list is Prefect's own (prefect-routes.json, written by build/prefect-routes.ts); each issue that
// adds routes shrinks what is left here without touching this file.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";
import PREFECT_ROUTES from "./prefect-routes.json" with { type: "json" };

export interface RouteRef {
  method: string;
  path: string;
}

/**
 * Where a 404 must stay a 404 because the SDK reads it as "this server has no such feature": a worker
 * falls back to REST polling on a 404 from its WebSocket channel but retries a 5xx forever.
 */
export const KEEP_404: ReadonlySet<string> = new Set(["WS /work_pools/{}/workers/connect"]);

/** A route's shape without parameter names or a trailing slash: /api/flows/:id and /flows/{id}/ agree. */
export const routeKey = (method: string, path: string) =>
  `${method} ${
    path
      .replace(/^\/api(?=\/)/, "")
      .replace(/:[^/]+|\{[^}]+\}/g, "{}")
      .replace(/\/+$/, "") || "/"
  }`;

/** Prefect's routes that `routed` (an app's own routes) lacks, less those that must stay 404s. */
export function missingRoutes(routed: RouteRef[]): RouteRef[] {
  const have = new Set(routed.map((r) => routeKey(r.method, r.path)));
  return (PREFECT_ROUTES as RouteRef[]).filter(
    (r) => !have.has(routeKey(r.method, r.path)) && !KEEP_404.has(routeKey(r.method, r.path)),
  );
}

/**
 * Elysia's router allows one parameter name per position (/artifacts/:id and /artifacts/:key/latest
 * clash) and Bun's allows a name once per route, so a 501 route takes the name an implemented route
 * uses at a position, or one named after the position (p1, p2, …); its handler reads no parameter.
 */
function paramNamer(routed: RouteRef[]) {
  const names = new Map<string, string>();
  const walk = (path: string, stub: boolean) => {
    const out: string[] = [];
    for (const [i, seg] of path.split("/").entries()) {
      const param = /^:(.+)$/.exec(seg)?.[1] ?? /^\{(.+)\}$/.exec(seg)?.[1];
      if (param === undefined) {
        out.push(seg);
        continue;
      }
      const at = out.map((x) => (x.startsWith(":") ? ":" : x)).join("/");
      if (!names.has(at)) names.set(at, stub ? `p${i}` : param);
      out.push(`:${names.get(at)}`);
    }
    return out.join("/");
  };
  for (const r of routed) walk(r.path.replace(/^\/api(?=\/)/, ""), false);
  return (path: string) => walk(path, true);
}

/** 501 handlers for the missing routes, mounted under /api after every implemented route; `routes` lists them. */
export function notImplemented(routed: RouteRef[]) {
  const plugin = new Elysia({ name: "api.not-implemented", prefix: "/api" });
  const name = paramNamer(routed);
  const missing = missingRoutes(routed);
  for (const r of missing) {
    const method = r.method === "WS" ? "GET" : r.method;
    const shown = `${r.method === "WS" ? "WebSocket " : `${r.method} `}/api${r.path}`;
    plugin.route(method, name(r.path), () => {
      throw new AppError("not_implemented", `${shown} is not implemented by prefect-lite yet.`);
    });
  }
  return Object.assign(plugin, { missing });
}
