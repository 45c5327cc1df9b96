// One line per request at INFO, as uvicorn prints them for Prefect's server — client, method, path,
// protocol, status — plus how long the answer took:
//   12:00:01.234 | INFO     | uvicorn.access - 127.0.0.1:51234 - "POST /api/flow_runs/ HTTP/1.1" 201 (1.8 ms)
// At the default level (WARNING) nothing is timed or formatted.
import { Elysia } from "elysia";
import { isEnabled, log } from "../core/logger.ts";

const STATUS_TEXT: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  423: "Locked",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

// The peer's address is only known while the request is open, so it is read when the request arrives.
const started = new WeakMap<Request, { t0: number; client: string }>();

export const accessLog = new Elysia({ name: "api.access-log" })
  .onRequest(({ request, server }) => {
    if (!isEnabled("INFO")) return;
    const ip = server?.requestIP(request);
    started.set(request, {
      t0: performance.now(),
      client: ip ? `${ip.family === "IPv6" ? `[${ip.address}]` : ip.address}:${ip.port}` : "-",
    });
  })
  .onAfterResponse({ as: "global" }, (ctx) => {
    const seen = started.get(ctx.request);
    if (seen === undefined) return;
    const response = (ctx as { response?: unknown }).response;
    const status =
      response instanceof Response ? response.status : typeof ctx.set.status === "number" ? ctx.set.status : 200;
    const { t0, client } = seen;
    const url = new URL(ctx.request.url);
    const ms = (performance.now() - t0).toFixed(1);
    log.access(
      `${client} - "${ctx.request.method} ${url.pathname}${url.search} HTTP/1.1" ${status} ${STATUS_TEXT[status] ?? ""} (${ms} ms)`.replace(
        "  (",
        " (",
      ),
    );
  });
