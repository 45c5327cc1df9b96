// WS /logs/out (Prefect's api/logs.py stream_logs_out): after the `prefect` subprotocol's auth message,
// the client sends {"type": "filter", "filter": LogFilter} and then receives {"type": "log", "log": …} for
// each new log that matches. Live only, as in Prefect: no backfill.
import { Value } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { normalizeTimestamp } from "../core/time.ts";
import { type LogFilterJson, logMatches, type LogStream } from "../events/log-stream.ts";
import { logFilter } from "../store/filters.ts";
import { asObject, authFailure, offersPrefect } from "./events-ws.ts";

const POLICY_VIOLATION = 1008;
/**
 * Bytes a subscriber may leave unread before its logs are dropped (Prefect drops them when a
 * subscriber's backlog is full): a client that stops reading costs this much memory, not the stream.
 */
const MAX_UNREAD_BYTES = 1 << 20;
const PROTOCOL_ERROR = 1002;

interface Socket {
  id: string;
  raw: { getBufferedAmount(): number };
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
  data: { request: Request };
}

interface Conn {
  stage: "auth" | "filter" | "open";
  unsubscribe?: () => void;
}

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
  const conns = new Map<string, Conn>();
  return new Elysia({ name: "api.logs-ws" }).ws("/logs/out", {
    upgrade(ctx) {
      if (offersPrefect(ctx.request)) ctx.set.headers["sec-websocket-protocol"] = "prefect";
    },
    open(raw) {
      const ws = raw as unknown as Socket;
      const legacy = !offersPrefect(ws.data.request);
      if (legacy && deps.authString) return ws.close(PROTOCOL_ERROR, "'prefect' subprotocol required");
      conns.set(ws.id, { stage: legacy ? "filter" : "auth" });
    },
    message(raw, message) {
      const ws = raw as unknown as Socket;
      const conn = conns.get(ws.id);
      if (!conn) return;
      const m = asObject(message);
      if (conn.stage === "auth") {
        const failure = authFailure(m, deps.authString);
        if (failure) return ws.close(POLICY_VIOLATION, failure);
        conn.stage = "filter";
        return void ws.send(JSON.stringify({ type: "auth_success" }));
      }
      if (conn.stage !== "filter") return;
      if (m?.type !== "filter") return ws.close(PROTOCOL_ERROR, "Expected 'filter' message");
      const filter = parseLogFilter(m.filter);
      if (typeof filter === "string") return ws.close(PROTOCOL_ERROR, filter);
      conn.stage = "open";
      conn.unsubscribe = deps.logs.subscribe((batch) => {
        for (const l of batch) {
          if (!logMatches(filter, l) || ws.raw.getBufferedAmount() > MAX_UNREAD_BYTES) continue;
          ws.send(JSON.stringify({ type: "log", log: l }));
        }
      });
    },
    close(raw) {
      const ws = raw as unknown as Socket;
      conns.get(ws.id)?.unsubscribe?.();
      conns.delete(ws.id);
    },
  });
}
