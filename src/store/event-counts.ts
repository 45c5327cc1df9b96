// Time buckets for /events/count-by/{day,time} (prefect/server/events/counting.py): all time since a
// fixed pivot is cut into interval-sized buckets; a count request gets every bucket its window touches,
// empty ones included. Pure arithmetic on normalised timestamps (microseconds, no Date).
import { invalidFields } from "../core/errors.ts";
import { addMicroseconds, diffMicroseconds, MAX_INTERVAL_SECONDS } from "../core/time.ts";

/** Prefect's EventCount. */
export interface EventCount {
  value: string;
  label: string;
  count: number;
  start_time: string;
  end_time: string;
}

export const TIME_UNITS = ["week", "day", "hour", "minute", "second"] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

const UNIT_SECONDS: Record<TimeUnit, number> = { week: 604_800, day: 86_400, hour: 3_600, minute: 60, second: 1 };
// Prefect: "the earliest possible event.occurred date … is 2024-04-04, so we use the Monday before that".
const PIVOT = "2024-04-01T00:00:00.000000Z";
const PIVOT_EPOCH = Date.UTC(2024, 3, 1) / 1000;
const MAX_BUCKETS = 1000;

const bucketMicros = (unit: TimeUnit, interval: number) => Math.round(UNIT_SECONDS[unit] * interval * 1_000_000);

/** Prefect refuses intervals below 0.01 and windows of more than 1000 buckets (422). */
export function validateBuckets(since: string, until: string, unit: TimeUnit, interval: number): void {
  if (!(interval >= 0.01))
    throw invalidFields("The minimum interval is 0.01", [
      { path: ["time_interval"], msg: "The minimum interval is 0.01", type: "value_error" },
    ]);
  if (UNIT_SECONDS[unit] * interval > MAX_INTERVAL_SECONDS) {
    const msg = `The interval must not be longer than ${MAX_INTERVAL_SECONDS} seconds (100 years).`;
    throw invalidFields(msg, [{ path: ["time_interval"], msg, type: "value_error" }]);
  }
  const n = Math.ceil(diffMicroseconds(until, since) / bucketMicros(unit, interval));
  if (n > MAX_BUCKETS) {
    const msg = `The given interval would create ${n} buckets, which is too many. Please increase the interval or reduce the time range to produce ${MAX_BUCKETS} buckets or fewer.`;
    throw invalidFields(msg, [{ path: [], msg, type: "value_error" }]);
  }
}

/** The last microsecond of the second/minute/hour/day/week (weeks end on Sunday) containing `ts`. */
export function endOfPeriod(ts: string, unit: TimeUnit): string {
  const [date, clock] = [ts.slice(0, 10), ts.slice(11, 19)];
  const [h, m, s] = clock.split(":");
  switch (unit) {
    case "second":
      return `${date}T${h}:${m}:${s}.999999Z`;
    case "minute":
      return `${date}T${h}:${m}:59.999999Z`;
    case "hour":
      return `${date}T${h}:59:59.999999Z`;
    case "day":
      return `${date}T23:59:59.999999Z`;
    case "week": {
      // Date is fine here: whole days only. getUTCDay: 0 = Sunday.
      const day = new Date(`${date}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() + ((7 - day.getUTCDay()) % 7));
      return `${day.toISOString().slice(0, 10)}T23:59:59.999999Z`;
    }
  }
}

/** Python's datetime.isoformat() of a UTC instant: "+00:00", fraction only when non-zero. */
const isoLabel = (ts: string) => ts.replace(/\.000000Z$/, "+00:00").replace(/Z$/, "+00:00");

export interface Spans {
  /** Absolute index (since the pivot) of the first bucket. */
  firstIndex: number;
  bucketSeconds: number;
  pivotEpoch: number;
  buckets: EventCount[];
}

/**
 * Every bucket from the one holding `since` up to `until` — or, when `until` is in the future, up to the
 * end of the current period. `value` is the bucket's position in this list (as Prefect numbers them).
 */
export function timeSpans(since: string, until: string, unit: TimeUnit, interval: number, now: string): Spans {
  const step = bucketMicros(unit, interval);
  const firstIndex = Math.floor(diffMicroseconds(since, PIVOT) / step);
  const end = until > now ? endOfPeriod(now, unit) : until;
  const buckets: EventCount[] = [];
  let start = addMicroseconds(PIVOT, firstIndex * step);
  while (start < end && buckets.length <= MAX_BUCKETS) {
    const next = addMicroseconds(start, step);
    buckets.push({
      value: String(buckets.length),
      label: isoLabel(start),
      count: 0,
      start_time: start,
      end_time: addMicroseconds(next, -1),
    });
    start = next;
  }
  return { firstIndex, bucketSeconds: step / 1_000_000, pivotEpoch: PIVOT_EPOCH, buckets };
}
