// The events WebSockets (contract §6.1/§6.2; prefect/server/api/events.py and utilities/subscriptions.py):
//   /events/in   every SDK process streams one Event per text frame (no acknowledgements; resends after
//                a reconnect are deduplicated downstream by event id);
//   /events/out  a client sends an EventFilter, gets stored matches from the last 15 minutes, then live ones.
// Both start with the `prefect` subprotocol's handshake (prefect-socket.ts). Bun answers pings itself,
// and its default maximum message size (16 MB) is above Prefect's 1.5 MB event limit.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import { eventJson, parseEvent } from "../events/schema.ts";
import { addSeconds, nowTimestamp } from "../core/time.ts";
import { eventMatches, parseEventFilter, type EventFilter } from "../store/event-filters.ts";
import type { EventsStore } from "../store/events.ts";
import { log } from "../core/logger.ts";
import { asObject, type Conn, PROTOCOL_ERROR, prefectSockets, type Socket } from "./prefect-socket.ts";

const MAX_UNREAD_BYTES = 4 << 20;

export interface EventsWsDeps {
  bus: EventBus;
  events: EventsStore;
  authString: string | null;
  /** PREFECT_SERVER_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL (seconds) and …_WEBSOCKET_BACKFILL_PAGE_SIZE. */
  backfillSeconds?: number;
  backfillPageSize?: number;
}

export function eventsWebsockets(deps: EventsWsDeps) {
  const { bus, events, authString } = deps;
  const backfillSeconds = deps.backfillSeconds ?? 15 * 60;
  const pageSize = deps.backfillPageSize ?? 250;
  const { handlers } = prefectSockets(authString);

  /** Subscribes first, so nothing published during the backfill is missed, then backfills, then streams. */
  async function stream(ws: Socket, conn: Conn, filter: EventFilter, backfill: boolean) {
    // A subscriber that stops reading gets nothing more once this much is unread (as Prefect drops
    // events for a full subscriber queue), so it costs a bounded amount of memory.
    const send = (e: ReceivedEvent) => {
      if (ws.raw.getBufferedAmount() > MAX_UNREAD_BYTES) return;
      ws.send(JSON.stringify({ type: "event", event: eventJson(e) }));
    };
    let buffered: ReceivedEvent[] | null = [];
    conn.unsubscribe = bus.subscribe((batch) => {
      for (const e of batch) {
        if (!eventMatches(filter, e)) continue;
        if (buffered) buffered.push(e);
        else if (!conn.closed) send(e);
      }
    });
    const sent = new Set<string>();
    if (backfill) {
      for (let offset = 0; !conn.closed; offset += pageSize) {
        const page = await events.read(filter, pageSize, offset);
        for (const e of page) {
          if (conn.closed) break;
          sent.add(e.id);
          send(e);
        }
        if (page.length < pageSize) break;
      }
    }
    const pending = buffered;
    buffered = null;
    for (const e of pending) if (!sent.has(e.id) && !conn.closed) send(e);
  }

  const filterMessage = (ws: Socket, conn: Conn, message: unknown) => {
    const m = asObject(message);
    if (m?.type !== "filter") {
      conn.closed = true;
      return ws.close(PROTOCOL_ERROR, "Expected 'filter' message");
    }
    let filter: EventFilter;
    try {
      filter = parseEventFilter(m.filter);
    } catch (e) {
      conn.closed = true;
      return ws.close(PROTOCOL_ERROR, `Invalid filter: ${e instanceof AppError ? e.message : String(e)}`.slice(0, 120));
    }
    // Prefect clamps the backfill window and always streams oldest first.
    const earliest = addSeconds(nowTimestamp(), -backfillSeconds);
    if (filter.occurred.since < earliest) filter.occurred.since = earliest;
    filter.order = "ASC";
    conn.stage = "open";
    stream(ws, conn, filter, m.backfill !== false).catch((e) => {
      log.error("/events/out backfill failed", e);
      if (!conn.closed) ws.close(1011, "Internal error");
    });
  };

  return new Elysia({ name: "api.events-ws" })
    .ws(
      "/events/in",
      handlers("open", (_ws, _conn, message) => {
        // A malformed frame is logged and skipped: the socket and the rest of the stream carry on.
        const parsed = parseEvent(asObject(message) ?? message);
        if (parsed.ok) bus.publish([parsed.event]);
        else
          log.warn(
            `/events/in: skipping an invalid event: ${parsed.issues.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; ")}`,
          );
      }),
    )
    .ws(
      "/events/out",
      handlers("filter", (ws, conn, message) => {
        // Once streaming, client messages carry nothing (Prefect does not read them either).
        if (conn.stage === "filter") filterMessage(ws, conn, message);
      }),
    );
}
