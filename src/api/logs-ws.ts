// WS /logs/out (Prefect's api/logs.py stream_logs_out): after the `prefect` subprotocol's auth message,
// the client sends {"type": "filter", "filter": LogFilter} and then receives {"type": "log", "log": …} for
// each new log that matches. Live only, as in Prefect: no backfill.
import { Value } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { normalizeTimestamp } from "../core/time.ts";
import { type LogFilterJson, logMatches, type LogStream } from "../events/log-stream.ts";
import { logFilter } from "../store/filters.ts";
import { asObject, PROTOCOL_ERROR, prefectSockets } from "./prefect-socket.ts";

/**
 * Bytes a subscriber may leave unread before its logs are dropped (Prefect drops them when a
 * subscriber's backlog is full): a client that stops reading costs this much memory, not the stream.
 */
const MAX_UNREAD_BYTES = 1 << 20;

/** The filter with its timestamps normalised, or the reason it is refused. */
function parseLogFilter(raw: unknown): LogFilterJson | string {
  const f = raw ?? {};
  if (!Value.Check(logFilter.model, f)) return "Invalid filter";
  const out = structuredClone(f) as LogFilterJson;
  for (const key of ["before_", "after_"] as const) {
    const v = out.timestamp?.[key];
    if (v == null) continue;
    const n = normalizeTimestamp(v);
    if (!n) return `Invalid filter: timestamp.${key}`;
    out.timestamp![key] = n;
  }
  return out;
}

export function logsWebsocket(deps: { logs: LogStream; authString: string | null }) {
  const { handlers } = prefectSockets(deps.authString);
  return new Elysia({ name: "api.logs-ws" }).ws(
    "/logs/out",
    handlers("filter", (ws, conn, message) => {
      if (conn.stage !== "filter") return;
      const m = asObject(message);
      if (m?.type !== "filter") return ws.close(PROTOCOL_ERROR, "Expected 'filter' message");
      const filter = parseLogFilter(m.filter);
      if (typeof filter === "string") return ws.close(PROTOCOL_ERROR, filter);
      conn.stage = "open";
      conn.unsubscribe = deps.logs.subscribe((batch) => {
        for (const l of batch) {
          if (conn.closed || !logMatches(filter, l) || ws.raw.getBufferedAmount() > MAX_UNREAD_BYTES) continue;
          ws.send(JSON.stringify({ type: "log", log: l }));
        }
      });
    }),
  );
}
