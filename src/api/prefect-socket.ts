// The `prefect` WebSocket subprotocol every socket of the API speaks (Prefect's
// utilities/subscriptions.py): the client offers subprotocol `prefect`, which is echoed; its first
// message must be {"type":"auth","token":…} and is answered {"type":"auth_success"} (the token is checked
// only when the server has PREFECT_SERVER_API_AUTH_STRING). Without the subprotocol a client is served in
// Prefect's legacy mode (no handshake) unless auth is configured. /events/in, /events/out and /logs/out
// each add their own stages after it.
import { safeEqual } from "../core/safe-equal.ts";

// Prefect's close codes.
export const POLICY_VIOLATION = 1008;
export const PROTOCOL_ERROR = 1002;

export interface Socket {
  id: string;
  raw: { getBufferedAmount(): number };
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
  data: { request: Request };
}

export interface Conn {
  stage: "auth" | "filter" | "open";
  closed: boolean;
  unsubscribe?: () => void;
}

export const offersPrefect = (req: Request) =>
  (req.headers.get("sec-websocket-protocol") ?? "").split(",").some((p) => p.trim() === "prefect");

/** Elysia has already JSON-parsed text frames that look like JSON; binary frames arrive as buffers. */
export function asObject(message: unknown): Record<string, unknown> | null {
  let m = message;
  if (m instanceof Uint8Array) m = Buffer.from(m).toString("utf8");
  if (typeof m === "string") {
    try {
      m = JSON.parse(m);
    } catch {
      return null;
    }
  }
  return typeof m === "object" && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : null;
}

/** The reason the auth message is refused, or null when it passes. */
export function authFailure(message: Record<string, unknown> | null, authString: string | null): string | null {
  if (message?.type !== "auth") return "Expected 'auth' message";
  if (!authString) return null;
  const token = message.token;
  if (!token) return "Auth required but no token provided";
  return typeof token === "string" && safeEqual(token, authString) ? null : "Invalid token";
}

/** The connections of one group of sockets and the handshake they share. */
export function prefectSockets(authString: string | null) {
  const conns = new Map<string, Conn>();
  const self = {
    conns,
    upgrade(ctx: { request: Request; set: { headers: Record<string, string | number> } }) {
      if (offersPrefect(ctx.request)) ctx.set.headers["sec-websocket-protocol"] = "prefect";
    },
    /** A new connection, at the auth stage, or at `next` for a legacy client. */
    open(ws: Socket, next: Conn["stage"]): void {
      const conn: Conn = { stage: offersPrefect(ws.data.request) ? "auth" : next, closed: false };
      conns.set(ws.id, conn);
      if (conn.stage !== "auth" && authString) {
        conn.closed = true;
        ws.close(PROTOCOL_ERROR, "'prefect' subprotocol required when auth is configured");
      }
    },
    /** Handles the auth stage; true when the message was consumed by it. */
    handshake(ws: Socket, conn: Conn, message: unknown, next: Conn["stage"]): boolean {
      if (conn.stage !== "auth") return false;
      const failure = authFailure(asObject(message), authString);
      if (failure) {
        conn.closed = true;
        ws.close(POLICY_VIOLATION, failure);
      } else {
        conn.stage = next;
        ws.send(JSON.stringify({ type: "auth_success" }));
      }
      return true;
    },
    close(ws: Socket): void {
      const conn = conns.get(ws.id);
      if (conn) {
        conn.closed = true;
        conn.unsubscribe?.();
      }
      conns.delete(ws.id);
    },
    /**
     * Elysia's handlers for one socket route: the handshake, then `next` as the first stage; `onMessage`
     * gets every later message of a connection still open.
     */
    handlers(next: Conn["stage"], onMessage: (ws: Socket, conn: Conn, message: unknown) => unknown) {
      return {
        upgrade: self.upgrade,
        open: (ws: unknown) => self.open(ws as Socket, next),
        message(raw: unknown, message: unknown) {
          const ws = raw as Socket;
          const conn = conns.get(ws.id);
          if (!conn || conn.closed || self.handshake(ws, conn, message, next)) return;
          onMessage(ws, conn, message);
        },
        close: (ws: unknown) => self.close(ws as Socket),
      };
    },
  };
  return self;
}
