// Events: batch writes deduplicated by id (the SDK resends unconfirmed events after a reconnect), the
// resources each event names (for label/related filters), filtered reads and Prefect's count-by.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { rowCodec } from "../db/rows.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import { nowTimestamp } from "../core/time.ts";
import { timeSpans, validateBuckets, type EventCount, type TimeUnit } from "./event-counts.ts";

export type { EventCount };
import { eventWhere, type EventFilter } from "./event-filters.ts";
import { fragmentsFor, type Fragments } from "./sql.ts";

/**
 * count-by's aliases decoded as themselves: without its own codec `value` would decode as the JSON
 * column of that name (variable.value) and an event name would be parsed as JSON.
 */
const COUNT_BY_CODEC = rowCodec({ count: "number", start_time: "timestamp", end_time: "timestamp" });

export const COUNTABLES = ["day", "time", "event", "resource"] as const;
export type Countable = (typeof COUNTABLES)[number];

const COLUMNS = sql`events.occurred, events.event, events.resource, events.related, events.payload, events.id, events.follows, events.received`;
// Rows per INSERT: far below SQLite's 32 766 and PostgreSQL's 65 535 bound parameters.
const EVENT_CHUNK = 200;
const RESOURCE_CHUNK = 500;

/** Prefect stores each involved resource without its id and role (they have their own columns). */
function resourceRows(e: ReceivedEvent) {
  const strip = (r: Record<string, string>) => {
    const { "prefect.resource.id": _id, "prefect.resource.role": _role, ...rest } = r;
    return rest;
  };
  return [
    { id: e.resource["prefect.resource.id"], role: "", resource: strip(e.resource) },
    ...e.related.map((r) => ({
      id: r["prefect.resource.id"],
      role: r["prefect.resource.role"] ?? "",
      resource: strip(r),
    })),
  ];
}

function* writeOp(events: ReceivedEvent[], d: Fragments, stored: ReceivedEvent[] = []): Op<number> {
  const recorded = nowTimestamp();
  // One copy per id: a batch may carry the same event twice (a resend racing the original).
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  let inserted = 0;
  for (let i = 0; i < unique.length; i += EVENT_CHUNK) {
    const chunk = unique.slice(i, i + EVENT_CHUNK);
    const values = chunk.map(
      (
        e,
      ) => sql`(${e.id}, ${recorded}, ${recorded}, ${e.occurred}, ${e.event}, ${e.resource["prefect.resource.id"]}, ${d.json(e.resource)},
        ${d.json(e.related.map((r) => r["prefect.resource.id"]))}, ${d.json(e.related)}, ${d.json(e.payload)}, ${e.received}, ${recorded}, ${e.follows})`,
    );
    const ids = new Set(
      (yield* rows<{ id: string }>(sql`
        INSERT INTO events (id, created, updated, occurred, event, resource_id, resource, related_resource_ids, related, payload, received, recorded, follows)
        VALUES ${sql.join(values, sql`, `)}
        ON CONFLICT (id) DO NOTHING
        RETURNING id`)).map((r) => r.id),
    );
    inserted += ids.size;
    for (const e of chunk) if (ids.has(e.id)) stored.push(e);
    // Resources only for events that were new: a duplicate's resources were written the first time.
    const res = chunk.filter((e) => ids.has(e.id)).flatMap((e) => resourceRows(e).map((r) => ({ ...r, event: e })));
    for (let j = 0; j < res.length; j += RESOURCE_CHUNK) {
      const part = res
        .slice(j, j + RESOURCE_CHUNK)
        .map(
          (r) =>
            sql`(${Bun.randomUUIDv7()}, ${recorded}, ${recorded}, ${r.event.occurred}, ${r.id}, ${r.role}, ${d.json(r.resource)}, ${r.event.id})`,
        );
      yield* exec(sql`
        INSERT INTO event_resources (id, created, updated, occurred, resource_id, resource_role, resource, event_id)
        VALUES ${sql.join(part, sql`, `)}`);
    }
  }
  return inserted;
}

/** The FROM clause for a filter: `events`, or one row per resource when the filter asks for distinct. */
function source(f: EventFilter, d: Fragments): SQL {
  if (!f.resource?.distinct) return sql`events`;
  const dir = sql.raw(f.order);
  // Prefect keeps, per resource, the first event in the requested order.
  return sql`(SELECT events.*, row_number() OVER (PARTITION BY events.resource_id ORDER BY events.occurred ${dir}) AS rn
    FROM events WHERE ${eventWhere(f, d)}) AS events`;
}

function* readOp(f: EventFilter, d: Fragments, limit: number, offset: number): Op<ReceivedEvent[]> {
  const dir = sql.raw(f.order);
  const where = f.resource?.distinct ? sql`events.rn = 1` : eventWhere(f, d);
  // id breaks ties so that offset paging never skips or repeats an event.
  return yield* rows<ReceivedEvent>(sql`
    SELECT ${COLUMNS} FROM ${source(f, d)} WHERE ${where}
    ORDER BY events.occurred ${dir}, events.id ${dir} LIMIT ${limit} OFFSET ${offset}`);
}

function* countOp(f: EventFilter, d: Fragments): Op<number> {
  const what = f.resource?.distinct ? sql`count(DISTINCT events.resource_id)` : sql`count(*)`;
  const r = (yield* row<{ count: number }>(sql`SELECT ${what} AS count FROM events WHERE ${eventWhere(f, d)}`))!;
  return Number(r.count);
}

/** Seconds since the epoch of `events.occurred`, keeping the microseconds. */
function epochSql(d: Fragments): SQL {
  return d.dialect === "sqlite"
    ? sql`(CAST(strftime('%s', events.occurred) AS INTEGER) + CAST(substr(events.occurred, 20, 7) AS REAL))`
    : sql`extract(epoch from events.occurred)::float8`;
}

/** The label Prefect shows for a resource: its name, else its legacy name, else its id. */
function resourceLabelSql(d: Fragments): SQL {
  return d.dialect === "sqlite"
    ? sql`coalesce(json_extract(events.resource, '$."prefect.resource.name"'), json_extract(events.resource, '$."prefect.name"'), events.resource_id)`
    : sql`coalesce(events.resource ->> 'prefect.resource.name', events.resource ->> 'prefect.name', events.resource_id)`;
}

export interface StoredHook<T> {
  op(stored: ReceivedEvent[]): Op<T>;
  committed(result: T): void;
}

export function eventsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  let onStored: StoredHook<unknown> | null = null;
  return {
    /** Writes events not stored yet (by id) with their resources; returns how many were new. */
    write(events: ReceivedEvent[]): Promise<number> {
      if (!events.length) return Promise.resolve(0);
      if (!onStored) return driver.tx(() => writeOp(events, d));
      const hook = onStored;
      return driver
        .tx(function* () {
          const stored: ReceivedEvent[] = [];
          const count = yield* writeOp(events, d, stored);
          return { count, after: stored.length ? yield* hook.op(stored) : null };
        })
        .then(({ count, after }) => {
          if (after !== null) hook.committed(after);
          return count;
        });
    },

    /**
     * Work done in the transaction that stores events, on the events that were new (automations'
     * triggers count them there), and what to do with its result after the commit.
     */
    onStored<T>(hook: StoredHook<T> | null): void {
      onStored = hook as StoredHook<unknown> | null;
    },

    /** One page of matching events and the total number of matches. */
    query(f: EventFilter, limit: number, offset = 0): Promise<{ events: ReceivedEvent[]; total: number }> {
      return driver.read(function* () {
        const total = yield* countOp(f, d);
        const events = total > offset ? yield* readOp(f, d, limit, offset) : [];
        return { events, total };
      });
    },

    read(f: EventFilter, limit: number, offset = 0): Promise<ReceivedEvent[]> {
      return driver.read(() => readOp(f, d, limit, offset));
    },

    count: (f: EventFilter) => driver.read(() => countOp(f, d)),

    /**
     * Prefect's /events/count-by/{countable}: time buckets (every bucket in the window, empty ones
     * with 0) or per event name / resource, most frequent first.
     */
    countBy(
      countable: Countable,
      f: EventFilter,
      unit: TimeUnit,
      interval: number,
      now = nowTimestamp(),
    ): Promise<EventCount[]> {
      validateBuckets(f.occurred.since, f.occurred.until, unit, interval);
      if (countable === "day" || countable === "time") {
        // The legacy `day` countable is `time` in whole days.
        const [u, n] = countable === "day" ? (["day", 1] as const) : ([unit, interval] as const);
        const spans = timeSpans(f.occurred.since, f.occurred.until, u, n, now);
        const seconds = spans.bucketSeconds;
        return driver.read(function* () {
          const counts = yield* rows<{ bucket: number | string; count: number }>(sql`
            SELECT floor((${epochSql(d)} - ${spans.pivotEpoch}) / ${seconds}) AS bucket, count(*) AS count
            FROM events WHERE ${eventWhere(f, d)} GROUP BY 1`);
          for (const c of counts) {
            const span = spans.buckets[Number(c.bucket) - spans.firstIndex];
            if (span) span.count = Number(c.count);
          }
          return spans.buckets;
        });
      }
      const value = countable === "event" ? sql`events.event` : sql`events.resource_id`;
      const label = countable === "event" ? sql`events.event` : resourceLabelSql(d);
      return driver.read(function* () {
        const groups = yield* rows<EventCount>(
          sql`
          SELECT ${value} AS value, ${label} AS label, count(*) AS count, min(events.occurred) AS start_time, max(events.occurred) AS end_time
          FROM events WHERE ${eventWhere(f, d)} GROUP BY 1, 2`,
          COUNT_BY_CODEC,
        );
        // A resource may have been renamed: one row per value, labelled with its most recent label.
        const byValue = new Map<string, EventCount & { latest: string }>();
        for (const g of groups) {
          const v = String(g.value);
          const seen = byValue.get(v);
          if (!seen) byValue.set(v, { ...g, value: v, count: Number(g.count), latest: g.end_time });
          else {
            seen.count += Number(g.count);
            if (g.start_time < seen.start_time) seen.start_time = g.start_time;
            if (g.end_time > seen.end_time) seen.end_time = g.end_time;
            if (g.end_time > seen.latest) [seen.latest, seen.label] = [g.end_time, g.label];
          }
        }
        return [...byValue.values()]
          .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
          .map(({ latest: _l, ...c }) => c);
      });
    },
  };
}

export type EventsStore = ReturnType<typeof eventsStore>;
