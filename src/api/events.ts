// /api/events: batch create (published on the bus; the persister stores them), filtered reads paged by
// an opaque token, and counts (prefect/server/api/events.py).
import { Elysia, t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import { eventJson, parseEvent, type EventIssue } from "../events/schema.ts";
import { nowTimestamp } from "../core/time.ts";
import { TIME_UNITS, type TimeUnit } from "../store/event-counts.ts";
import { parseEventFilter, type EventFilter } from "../store/event-filters.ts";
import { COUNTABLES, type Countable, type EventsStore } from "../store/events.ts";
import { MAX_OFFSET, noContent, objectBody } from "./common.ts";

/** Prefect's INTERACTIVE_PAGE_SIZE: the default and the maximum `limit` of /events/filter. */
export const EVENTS_PAGE_SIZE = 50;

interface PageToken {
  filter: EventFilter;
  count: number;
  page_size: number;
  offset: number;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
const forbidden = () => new AppError("forbidden", "Forbidden");

/** Prefect's token: base64 JSON of the resolved filter, the first query's total and the next offset. */
function nextToken(filter: EventFilter, count: number, pageSize: number, offset: number): string | null {
  if (offset + pageSize >= count) return null;
  return b64(JSON.stringify({ filter, count, page_size: pageSize, offset: offset + pageSize }));
}

function readToken(param: unknown): PageToken {
  // The link carries the token base64-encoded once more (generate_next_page_link); anything unreadable is 403.
  const token = typeof param === "string" ? unb64(param) : "";
  if (!token) throw forbidden();
  try {
    const p = JSON.parse(unb64(token)) as PageToken;
    const [count, pageSize, offset] = [p.count, p.page_size, p.offset];
    // A token we made holds small whole numbers; anything else was forged.
    const whole = (n: unknown, max: number) => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= max;
    if (!whole(count, MAX_OFFSET) || !whole(pageSize, EVENTS_PAGE_SIZE) || !whole(offset, MAX_OFFSET))
      throw forbidden();
    return { filter: parseEventFilter(p.filter), count, page_size: pageSize, offset };
  } catch {
    throw forbidden();
  }
}

/** The next-page URL, next to the route the client called (…/events/filter → …/events/filter/next). */
function nextLink(request: Request, token: string | null): string | null {
  if (!token) return null;
  const url = new URL(request.url);
  const base = url.pathname.replace(/\/events\/filter(\/next)?\/?$/, "/events/filter/next");
  return `${url.origin}${base}?page-token=${encodeURIComponent(b64(token))}`;
}

const Body = t.Optional(t.Union([t.Object({}, { additionalProperties: true }), t.Null()]));

export function eventsApi(deps: { events: EventsStore; bus: EventBus }) {
  const { events, bus } = deps;
  const page = (list: ReceivedEvent[], total: number, next: string | null) => ({
    events: list.map(eventJson),
    total,
    next_page: next,
  });
  return new Elysia({ name: "api.events", prefix: "/events" })
    .post(
      "/",
      ({ body }) => {
        const received = nowTimestamp();
        const issues: EventIssue[] = [];
        const batch: ReceivedEvent[] = [];
        body.forEach((e, i) => {
          const parsed = parseEvent(e, received, ["body", i]);
          if (parsed.ok) batch.push(parsed.event);
          else issues.push(...parsed.issues);
        });
        if (issues.length) throw invalid("Invalid events", issues);
        bus.publish(batch);
        return noContent();
      },
      { body: t.Array(t.Any()) },
    )
    .post(
      "/filter",
      async ({ body, request }) => {
        const b = objectBody(body);
        const limit = b.limit ?? EVENTS_PAGE_SIZE;
        if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0 || limit > EVENTS_PAGE_SIZE) {
          throw invalid(`limit must be an integer between 0 and ${EVENTS_PAGE_SIZE}`, [
            {
              loc: ["body", "limit"],
              msg: `Input should be less than or equal to ${EVENTS_PAGE_SIZE}`,
              type: "less_than_equal",
              input: limit,
            },
          ]);
        }
        const filter = parseEventFilter(b.filter);
        const { events: list, total } = await events.query(filter, limit, 0);
        return page(list, total, nextLink(request, nextToken(filter, total, limit, 0)));
      },
      { body: Body },
    )
    .get("/filter/next", async ({ query, request }) => {
      const token = readToken(query["page-token"]);
      const list = await events.read(token.filter, token.page_size, token.offset);
      return page(
        list,
        token.count,
        nextLink(request, nextToken(token.filter, token.count, token.page_size, token.offset)),
      );
    })
    .post(
      "/count-by/:countable",
      ({ params, body }) => {
        const countable = params.countable as Countable;
        if (!COUNTABLES.includes(countable)) {
          throw invalid(`Unknown countable '${params.countable}'`, [
            {
              loc: ["path", "countable"],
              msg: `Input should be ${COUNTABLES.map((c) => `'${c}'`).join(", ")}`,
              type: "enum",
            },
          ]);
        }
        // Prefect requires the filter here (unlike /events/filter).
        if (body.filter === undefined || body.filter === null)
          throw invalid("filter is required", [{ loc: ["body", "filter"], msg: "Field required", type: "missing" }]);
        const unit = (body.time_unit ?? "day") as TimeUnit;
        if (!TIME_UNITS.includes(unit)) {
          throw invalid(`Unknown time_unit '${unit}'`, [
            {
              loc: ["body", "time_unit"],
              msg: `Input should be ${TIME_UNITS.map((u) => `'${u}'`).join(", ")}`,
              type: "enum",
            },
          ]);
        }
        return events.countBy(countable, parseEventFilter(body.filter), unit, body.time_interval ?? 1);
      },
      {
        body: t.Object(
          {
            filter: t.Any(),
            time_unit: t.Optional(t.Union([t.String(), t.Null()])),
            time_interval: t.Optional(t.Union([t.Number({ minimum: 0.01 }), t.Null()])),
          },
          { additionalProperties: true },
        ),
      },
    );
}
