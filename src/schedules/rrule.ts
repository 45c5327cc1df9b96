// RRULE strings and rule sets as Prefect reads them (dateutil's rrulestr, then RRuleSchedule.to_rrule):
// DTSTART (2020-01-01 00:00 when absent), RRULE, EXRULE, RDATE and EXDATE lines, split on any whitespace.
// Prefect relabels every date in the string with the schedule's timezone, keeping its digits (a "Z" or a
// TZID is dropped), so the rule runs on wall times; the rrule library computes them as UTC dates and
// zone.ts reads each as an instant (a repeated hour: the first occurrence; a skipped one: the offset after
// the change, so 02:30 becomes 01:30, as dateutil's zones do).
import { RRule, type Options } from "rrule";
import { MAX_US, US_PER_DAY, US_PER_SECOND, type Zone } from "./zone";

export class RRuleError extends Error {}

export interface ParsedRRule {
  rrules: RRule[];
  exrules: RRule[];
  rdates: number[]; // wall times, µs
  exdates: number[];
}

const DEFAULT_DTSTART = Date.UTC(2020, 0, 1);
const MAX_LENGTH = 6500;
/** The longest stretch one query walks (days from a rule's DTSTART): a rule is never searched further. */
const SEARCH_DAYS = 36_600;
const KNOWN = new Set([
  "FREQ",
  "INTERVAL",
  "COUNT",
  "UNTIL",
  "WKST",
  "BYSETPOS",
  "BYMONTH",
  "BYMONTHDAY",
  "BYYEARDAY",
  "BYWEEKNO",
  "BYDAY",
  "BYWEEKDAY",
  "BYHOUR",
  "BYMINUTE",
  "BYSECOND",
  "BYEASTER",
]);
const RANGES: Record<string, [number, number, boolean]> = {
  BYMONTH: [1, 12, false],
  BYMONTHDAY: [-31, 31, true],
  BYYEARDAY: [-366, 366, true],
  BYWEEKNO: [-53, 53, true],
  BYSETPOS: [-366, 366, true],
  BYHOUR: [0, 23, false],
  BYMINUTE: [0, 59, false],
  BYSECOND: [0, 59, false],
};
const FREQS = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"];

/** Parses an RRULE string or rule set, or throws RRuleError with Prefect's message. */
export function parseRRule(text: string): ParsedRRule {
  const fail = (why: string) => new RRuleError(`Invalid RRule string "${text}": ${why}`);
  if (text.length > MAX_LENGTH) {
    throw new RRuleError(
      `Invalid RRule string "${text.slice(0, 40)}..."\nMax length is ${MAX_LENGTH}, got ${text.length}`,
    );
  }
  const upper = text.toUpperCase();
  if (upper.trim() === "") throw fail("empty string");
  const lines = upper.trim().split(/\s+/);
  const rrules: string[] = [];
  const exrules: string[] = [];
  const rdates: number[] = [];
  const exdates: number[] = [];
  let dtstart: number | null = null;
  if (lines.length === 1 && (!upper.includes(":") || lines[0].startsWith("RRULE:"))) {
    rrules.push(lines[0].startsWith("RRULE:") ? lines[0].slice(6) : lines[0]);
  } else {
    for (const line of lines) {
      const colon = line.indexOf(":");
      const [head, value] = colon < 0 ? ["RRULE", line] : [line.slice(0, colon), line.slice(colon + 1)];
      const [name, ...params] = head.split(";");
      if (name === "RRULE" || name === "EXRULE") {
        if (params.length > 0) throw fail(`unsupported ${name} parm: ${params[0]}`);
        (name === "RRULE" ? rrules : exrules).push(value);
      } else if (name === "RDATE" || name === "EXDATE") {
        for (const v of value.split(",")) (name === "RDATE" ? rdates : exdates).push(wallTime(v, fail));
      } else if (name === "DTSTART") {
        if (value.includes(",")) throw fail(`Multiple DTSTART values specified: ${value}`);
        dtstart = wallTime(value, fail);
      } else throw fail(`unsupported property: ${name}`);
    }
  }
  const start = new Date((dtstart ?? DEFAULT_DTSTART * 1000) / 1000);
  return {
    rrules: rrules.map((r) => rule(r, start, fail)),
    exrules: exrules.map((r) => rule(r, start, fail)),
    rdates,
    exdates,
  };
}

/** A date or date-time value (20260101, 20260101T090000, 20260101T090000Z) as a wall time in µs. */
function wallTime(value: string, fail: (why: string) => Error): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
  if (!m) throw fail(`unknown string format: ${value}`);
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) {
    throw fail(`day is out of range for month: ${value}`);
  }
  if (ms * 1000 > MAX_US || y < 1700) throw fail(`year is out of range (1700–2199): ${value}`);
  return ms * 1000;
}

function rule(value: string, dtstart: Date, fail: (why: string) => Error): RRule {
  const pairs = value.split(";").filter((p) => p !== "");
  const seen = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq < 0) throw fail("not enough values to unpack (expected 2, got 1)");
    const name = pair.slice(0, eq);
    const v = pair.slice(eq + 1);
    if (!KNOWN.has(name)) throw fail(`unknown parameter '${name}'`);
    if (name === "BYEASTER") throw fail("BYEASTER is not supported");
    seen.set(name, v);
    const range = RANGES[name];
    if (range) {
      for (const item of v.split(",")) {
        const n = Number(item);
        if (!/^[+-]?\d+$/.test(item) || n < range[0] || n > range[1] || (range[2] && n === 0)) {
          const unit = { BYHOUR: "hour", BYMINUTE: "minute", BYSECOND: "second" }[name];
          throw fail(unit ? `${unit} must be in ${range[0]}..${range[1]}` : `invalid '${name}': ${v}`);
        }
      }
    }
  }
  for (const item of (seen.get("BYDAY") ?? seen.get("BYWEEKDAY") ?? "MO").split(",")) {
    if (!/^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$/.test(item)) throw fail(`invalid 'BYDAY': ${item}`);
  }
  const wkst = seen.get("WKST");
  if (wkst !== undefined && !/^(MO|TU|WE|TH|FR|SA|SU)$/.test(wkst)) throw fail(`invalid 'WKST': ${wkst}`);
  const freq = seen.get("FREQ");
  if (freq === undefined) throw fail("FREQ is required");
  if (!FREQS.includes(freq)) throw fail(`invalid 'FREQ': ${freq}`);
  const interval = seen.get("INTERVAL");
  if (interval !== undefined && (!/^\d+$/.test(interval) || Number(interval) < 1)) {
    throw fail(`INTERVAL must be a whole number of at least 1: ${interval}`);
  }
  const count = seen.get("COUNT");
  if (count !== undefined && !/^\d+$/.test(count)) throw fail(`invalid literal for int() with base 10: '${count}'`);
  let options: Partial<Options>;
  try {
    const rest = pairs.filter((p) => !p.startsWith("UNTIL="));
    options = RRule.parseString(rest.join(";"));
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  const until = seen.get("UNTIL");
  const untilDate = until === undefined ? null : new Date(wallTime(until, fail) / 1000);
  try {
    return new RRule({ ...options, dtstart, until: untilDate, tzid: null }, true);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
}

/**
 * False for a set whose rules never fire (30 February), which dateutil (and the rrule library) would search
 * up to the year 9999. The calendar repeats every 400 years, and a rule's periods with it every 400 × m
 * years (m making the period a multiple of INTERVAL): a rule that does not fire in one such stretch never
 * does. The stretch is searched at the end of the calendar, where the library stops by itself.
 */
export function rruleEverFires(parsed: ParsedRRule): boolean {
  // The library loops for ever on a rule whose clock filters it can never meet; dateutil gives up on those.
  if (![...parsed.rrules, ...parsed.exrules].every(clockReachable)) return false;
  // An EXRULE that never fires would be searched to the year 9999 on every query.
  if (!parsed.exrules.every(fires)) return false;
  return parsed.rdates.length > 0 || parsed.rrules.length === 0 || parsed.rrules.some(fires);
}

/**
 * For HOURLY, MINUTELY and SECONDLY rules: whether stepping INTERVAL from DTSTART's time of day ever meets
 * BYHOUR, BYMINUTE and BYSECOND. The steps reach every time of day congruent to DTSTART's modulo
 * gcd(INTERVAL, a day).
 */
const CLOCK_UNIT: Record<number, number> = { [RRule.HOURLY]: 3600, [RRule.MINUTELY]: 60, [RRule.SECONDLY]: 1 };

function clockReachable(r: RRule): boolean {
  const o = r.options;
  const unit = CLOCK_UNIT[o.freq];
  if (unit === undefined) return true;
  const perDay = 86_400 / unit;
  const d = o.dtstart;
  const t0 = Math.floor((d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds()) / unit);
  const step = gcd(o.interval, perDay);
  const ok = (list: number[] | null | undefined, v: number) => !list || list.length === 0 || list.includes(v);
  for (let t = t0 % step; t < perDay; t += step) {
    const secs = t * unit;
    if (!ok(o.byhour, Math.floor(secs / 3600))) continue;
    if (unit <= 60 && !ok(o.byminute, Math.floor(secs / 60) % 60)) continue;
    if (unit === 1 && !ok(o.bysecond, secs % 60)) continue;
    return true;
  }
  return false;
}

/** Whether a rule fires at all (ignoring COUNT and UNTIL), searching one calendar cycle of its periods. */
function fires(r: RRule): boolean {
  {
    const o = r.options;
    const m = o.interval / gcd(o.interval, CYCLE[o.freq]);
    const years = 400 * m;
    if (years > 8000) return true; // too long a cycle to search: taken on trust
    const from = o.dtstart;
    const j = Math.max(0, Math.floor((9999 - years - from.getUTCFullYear()) / years));
    const dtstart = new Date(from.getTime());
    dtstart.setUTCFullYear(from.getUTCFullYear() + years * j);
    let found = false;
    new RRule({ ...r.origOptions, dtstart, until: null, count: null, tzid: null }, true).all(() => !(found = true));
    return found;
  }
}

/** Each frequency's periods in 400 Gregorian years (146,097 days, 20,871 weeks). */
const CYCLE: Record<number, number> = {
  [RRule.YEARLY]: 400,
  [RRule.MONTHLY]: 4800,
  [RRule.WEEKLY]: 20_871,
  [RRule.DAILY]: 146_097,
  [RRule.HOURLY]: 146_097 * 24,
  [RRule.MINUTELY]: 146_097 * 1440,
  [RRule.SECONDLY]: 146_097 * 86_400,
};

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

const MAX_ITERATIONS = 1000;
const PERIOD_US: Record<number, number> = {
  [RRule.SECONDLY]: US_PER_SECOND,
  [RRule.MINUTELY]: 60 * US_PER_SECOND,
  [RRule.HOURLY]: 3600 * US_PER_SECOND,
  [RRule.DAILY]: US_PER_DAY,
  [RRule.WEEKLY]: 7 * US_PER_DAY,
};

/**
 * Prefect's RRuleSchedule.get_dates: the set's wall times in order, each read as an instant; those at or
 * after `start` count (at most 1,002), the first past `end` stops, repeats are dropped.
 */
export function rruleDates(parsed: ParsedRRule, zone: Zone, start: number, end: number | null, n: number): number[] {
  if (n <= 0) return [];
  // A wall time below start plus the smallest offset around it names an instant before start.
  const from =
    start + Math.min(zone.offsetAt(start - US_PER_DAY), zone.offsetAt(start), zone.offsetAt(start + US_PER_DAY));
  const to = Math.min(end === null ? MAX_US : zone.wall(end) + US_PER_DAY, MAX_US);
  if (to < from) return [];
  const rrules = parsed.rrules.map((r) => advance(r, from));
  const exrules = parsed.exrules.map((r) => advance(r, from));
  for (let cap = Math.min(n, MAX_ITERATIONS + 2) + 64; ; cap *= 4) {
    const result = attempt(parsed, rrules, exrules, zone, start, end, n, from, to, cap);
    if (result) return result;
  }
}

function attempt(
  parsed: ParsedRRule,
  rrules: RRule[],
  exrules: RRule[],
  zone: Zone,
  start: number,
  end: number | null,
  n: number,
  from: number,
  to: number,
  cap: number,
): number[] | null {
  // Each rule's first `cap` wall times in the window; beyond the earliest last one of a rule that was cut
  // short, the merged list is not known yet.
  let known = to;
  const walls: number[] = parsed.rdates.filter((w) => w >= from && w <= to);
  for (const r of rrules) {
    const got = occurrences(r, from, to, cap);
    walls.push(...got);
    if (got.length >= cap) known = Math.min(known, got[got.length - 1]);
  }
  const excluded = new Set(parsed.exdates);
  for (const r of exrules) for (const w of occurrences(r, from, known, Number.POSITIVE_INFINITY)) excluded.add(w);
  const merged = [...new Set(walls)].filter((w) => w <= known && !excluded.has(w)).sort((a, b) => a - b);
  const seen = new Set<number>();
  let counter = 0;
  for (const wall of merged) {
    const at = zone.instant(wall, "backward");
    if (at < start) continue;
    if (end !== null && at > end) break;
    if (!seen.has(at)) seen.add(at);
    if (seen.size >= n || counter > MAX_ITERATIONS) return [...seen].sort((a, b) => a - b);
    counter++;
  }
  // The list ran out: complete when no rule was cut short, else look further.
  return known === to ? [...seen].sort((a, b) => a - b) : null;
}

/** A rule's wall times in [from, to], at most `cap`, searching no further than SEARCH_DAYS from its DTSTART. */
function occurrences(r: RRule, from: number, to: number, cap: number): number[] {
  const dtstart = r.options.dtstart.getTime() * 1000;
  const limit = Math.min(to, dtstart + SEARCH_DAYS * US_PER_DAY);
  if (limit < from) return [];
  const out: number[] = [];
  r.between(new Date(from / 1000), new Date(limit / 1000), true, (d) => {
    out.push(d.getTime() * 1000);
    return out.length < cap;
  });
  return out;
}

/**
 * The same rule with its DTSTART moved forward by whole periods to just before `from` (what Prefect's
 * normalize_rrule_string does for new rules): same dates from there on, without walking years of them.
 * Only for rules whose periods all have one length and that do not count their dates.
 */
function advance(r: RRule, from: number): RRule {
  const o = r.options;
  const unit = PERIOD_US[o.freq];
  if (unit === undefined || (o.count !== null && o.count !== undefined)) return r;
  const period = unit * o.interval;
  const dtstart = o.dtstart.getTime() * 1000;
  const k = Math.floor((from - period - dtstart) / period);
  if (k <= 0) return r;
  return new RRule({ ...r.origOptions, dtstart: new Date((dtstart + k * period) / 1000), tzid: null }, true);
}
