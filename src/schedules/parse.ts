// parseSchedule: a schedule as the API received it, checked as Prefect's server models check it
// (prefect.server.schemas.schedules), with their defaults and messages. It also refuses what Prefect would
// accept and then fail on or loop over when computing dates: a zone Intl does not know, an interval that
// rounds to zero microseconds, a cron that never matches (30 February), an RRULE with INTERVAL=0 or one
// that never fires. Unknown extra keys are ignored (Prefect forbids them; prefect-lite is lenient).
import { invalidFields, type FieldIssue } from "../core/errors";
import { MAX_INTERVAL_SECONDS, normalizeTimestamp, nowTimestamp } from "../core/time";
import { CronError, compileCron, cronEverMatches } from "./cron";
import type { CronSchedule, IntervalSchedule, RRuleSchedule, Schedule } from "./model";
import { RRuleError, parseRRule, rruleEverFires } from "./rrule";
import { isKnownZone, MAX_US, MIN_US, toUs } from "./zone";

type Path = Array<string | number>;

const fail = (message: string, path: Path, type = "value_error"): never => {
  const issue: FieldIssue = { path, msg: message, type };
  throw invalidFields(message, [issue]);
};

const timezoneMessage = (tz: string) =>
  `Value error, Invalid timezone: "${tz}" (specify in IANA tzdata format, for example, America/New_York)`;

/**
 * The schedule in `json`, with Prefect's defaults filled in (anchor_date: now; an interval's timezone:
 * UTC; day_or: true). `path` locates it in the request, and every refusal names the field inside it.
 */
export function parseSchedule(json: unknown, path: Path, now: string = nowTimestamp()): Schedule {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("Input should be a valid dictionary or object", path, "dict_type");
  }
  const o = json as Record<string, unknown>;
  if ("interval" in o) return parseInterval(o, path, now);
  if ("cron" in o) return parseCron(o, path);
  if ("rrule" in o) return parseRRuleSchedule(o, path);
  return fail("Value error, a schedule needs one of interval, cron or rrule", path);
}

function timezone(o: Record<string, unknown>, path: Path): string | null {
  const tz = o.timezone;
  if (tz === undefined || tz === null || tz === "") return null;
  if (typeof tz !== "string") return fail("Input should be a valid string", [...path, "timezone"], "string_type");
  if (!isKnownZone(tz)) return fail(timezoneMessage(tz), [...path, "timezone"]);
  return tz;
}

function parseInterval(o: Record<string, unknown>, path: Path, now: string): IntervalSchedule {
  const interval = o.interval;
  if (typeof interval === "string") {
    // Prefect also takes ISO 8601 durations; the SDK sends float seconds, and so must callers here.
    return fail(
      "Input should be a valid timedelta, invalid digit in duration",
      [...path, "interval"],
      "time_delta_parsing",
    );
  }
  if (typeof interval !== "number" || !Number.isFinite(interval)) {
    return fail("Input should be a valid timedelta", [...path, "interval"], "time_delta_type");
  }
  // Python keeps microseconds: a shorter interval is zero.
  if (Math.round(interval * 1_000_000) <= 0)
    return fail("Value error, interval must be positive", [...path, "interval"]);
  if (interval > MAX_INTERVAL_SECONDS) {
    return fail(`Value error, interval must be at most ${MAX_INTERVAL_SECONDS} seconds (100 years)`, [
      ...path,
      "interval",
    ]);
  }
  let anchor = now;
  if (o.anchor_date !== undefined && o.anchor_date !== null) {
    const normal = typeof o.anchor_date === "string" ? normalizeTimestamp(o.anchor_date) : null;
    if (normal === null) {
      return fail(`Value error, Unable to parse string [${String(o.anchor_date)}]`, [...path, "anchor_date"]);
    }
    if (toUs(normal) < MIN_US || toUs(normal) >= MAX_US) {
      return fail("Value error, anchor_date must be between the years 1700 and 2199", [...path, "anchor_date"]);
    }
    anchor = normal;
  }
  // Prefect infers the zone from the anchor's, which JSON can only give as an offset: UTC.
  return { interval, anchor_date: anchor, timezone: timezone(o, path) ?? "UTC" };
}

function dayOr(o: Record<string, unknown>, path: Path): boolean {
  const v = o.day_or;
  if (v === undefined) return true;
  if (typeof v !== "boolean") return fail("Input should be a valid boolean", [...path, "day_or"], "bool_type");
  return v;
}

function parseCron(o: Record<string, unknown>, path: Path): CronSchedule {
  const cron = o.cron;
  if (typeof cron !== "string") return fail("Input should be a valid string", [...path, "cron"], "string_type");
  const day_or = dayOr(o, path);
  try {
    const compiled = compileCron(cron, day_or);
    if (!cronEverMatches(compiled))
      return fail(`Value error, Cron string "${cron}" never matches a date`, [...path, "cron"]);
  } catch (e) {
    if (e instanceof CronError) return fail(`Value error, ${e.message}`, [...path, "cron"]);
    throw e;
  }
  return { cron, timezone: timezone(o, path), day_or };
}

function parseRRuleSchedule(o: Record<string, unknown>, path: Path): RRuleSchedule {
  const rrule = o.rrule;
  if (typeof rrule !== "string") return fail("Input should be a valid string", [...path, "rrule"], "string_type");
  try {
    if (!rruleEverFires(parseRRule(rrule))) {
      return fail(`Value error, Invalid RRule string "${rrule}": it never fires`, [...path, "rrule"]);
    }
  } catch (e) {
    if (e instanceof RRuleError) return fail(`Value error, ${e.message}`, [...path, "rrule"]);
    throw e;
  }
  // RRuleSchedule's timezone defaults to "UTC"; an explicit null stays null (and computes in UTC).
  return { rrule, timezone: o.timezone === undefined ? "UTC" : timezone(o, path) };
}
