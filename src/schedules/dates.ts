// scheduleDates: the next dates of a schedule, as Prefect's <X>Schedule.get_dates(n, start=, end=) returns
// them, as normalised UTC timestamps. Bounded by `n` and `end`: at most 1,002 dates (Prefect looks at that
// many candidates), nothing past the year 2199, and an RRULE is never searched more than a century past its
// DTSTART. Compiled cron expressions and parsed rules are kept (a bounded cache), so a scheduler pass over
// many deployments parses each expression once.
import { normalizeTimestamp } from "../core/time";
import { compileCron, cronDates, type CompiledCron } from "./cron";
import { intervalDates } from "./interval";
import { isCron, isInterval, type Schedule } from "./model";
import { parseRRule, rruleDates, type ParsedRRule } from "./rrule";
import { fromUs, toUs, Zone } from "./zone";

export interface DatesOptions {
  /** The first date returned is at or after this timestamp. */
  start: string;
  /** No date returned is after this timestamp. */
  end?: string | null;
  /** At most this many dates. */
  n: number;
}

const CACHE_SIZE = 4096;
const crons = new Map<string, CompiledCron>();
const rrules = new Map<string, ParsedRRule>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(key, (v = make()));
  }
  return v;
}

/** The schedule's next at most `n` dates ≥ start (and ≤ end), ascending. The schedule must come from parseSchedule. */
export function scheduleDates(schedule: Schedule, { start, end, n }: DatesOptions): string[] {
  const from = toUs(must(start));
  const until = end === undefined || end === null ? null : toUs(must(end));
  const zone = Zone.get(schedule.timezone);
  let dates: number[];
  if (isInterval(schedule)) {
    dates = intervalDates(schedule, toUs(must(schedule.anchor_date)), zone, from, until, n);
  } else if (isCron(schedule)) {
    const compiled = cached(crons, `${schedule.day_or}\n${schedule.cron}`, () =>
      compileCron(schedule.cron, schedule.day_or),
    );
    dates = cronDates(compiled, zone, from, until, n);
  } else {
    dates = rruleDates(
      cached(rrules, schedule.rrule, () => parseRRule(schedule.rrule)),
      zone,
      from,
      until,
      n,
    );
  }
  return dates.map(fromUs);
}

function must(ts: string): string {
  const normal = normalizeTimestamp(ts);
  if (normal === null) throw new RangeError(`Invalid timestamp: ${JSON.stringify(ts)}`);
  return normal;
}
