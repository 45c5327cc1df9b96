// Timestamps are ISO-8601 UTC strings with exactly six fractional digits ("2026-08-21T12:00:00.123456Z").
// Prefect compares and orders microseconds; JavaScript's Date keeps milliseconds, so nothing here goes
// through Date except nowTimestamp(). Normalised strings sort correctly as text.
//
// Invalid input: normalizeTimestamp() returns null (callers decide whether that is a 422 or an abort);
// the other helpers throw a RangeError, because an invalid value reaching them is a programming error.

const US_PER_SECOND = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_SECOND;

/** An instant split so that both parts stay exact as JavaScript numbers for any year 0001–9999. */
interface Instant {
  days: number; // days since 1970-01-01
  us: number; // microseconds into the day, 0 <= us < US_PER_DAY
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Normalises a datetime string to "YYYY-MM-DDTHH:MM:SS.ffffffZ", or returns null when it is not one.
 * Accepts 'Z', '+00:00' and other offsets (converted to UTC), naive values (taken as UTC), a space
 * instead of 'T', a date alone (midnight), and 0–9 fractional digits (beyond six are truncated, as
 * Python's datetime keeps microseconds).
 */
export function normalizeTimestamp(input: string): string | null {
  // Most values (stored ones, `now`, what the SDK sends) already are: valid means unchanged.
  if (typeof input === "string" && NORMALIZED.test(input)) return parseNormalized(input) ? input : null;
  const instant = parseInstant(input);
  return instant ? formatInstant(instant) : null;
}

const NORMALIZED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** True when `value` is already in the normalised form (cheap check for hot paths). */
export function isNormalizedTimestamp(value: string): boolean {
  return NORMALIZED.test(value) && parseNormalized(value) !== null;
}

/** Negative when a < b, zero when equal, positive when a > b. Throws on invalid input. */
export function compareTimestamps(a: string, b: string): number {
  // Normalised timestamps compare as text (normalizeTimestamp returns those unchanged, cheaply).
  const x = mustNormalize(a);
  const y = mustNormalize(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `ts` moved by `seconds` (may be fractional or negative), rounded to the microsecond. */
/**
 * The longest interval a request may ask for (history buckets, event counts): a century. Longer ones
 * would step past year 9999, where timestamps end.
 */
export const MAX_INTERVAL_SECONDS = 100 * 366 * 86_400;

export function addSeconds(ts: string, seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`Not a finite number of seconds: ${seconds}`);
  return addMicroseconds(ts, Math.round(seconds * US_PER_SECOND));
}

/**
 * addSeconds held to the timestamps that exist: a trigger's window that would end past year 9999 ends
 * there (an automation's `within` or an event's `occurred` must never stop the event being stored).
 */
export function addSecondsClamped(ts: string, seconds: number): string {
  try {
    return addSeconds(ts, seconds);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return seconds > 0 ? "9999-12-31T23:59:59.999999Z" : "0001-01-01T00:00:00.000000Z";
  }
}

export function addMicroseconds(ts: string, microseconds: number): string {
  const start = mustParse(ts);
  const shifted = fromParts(start.days, start.us + Math.trunc(microseconds));
  const out = formatInstant(shifted);
  if (out === null) throw new RangeError(`Timestamp out of range after adding ${microseconds} µs to ${ts}`);
  return out;
}

/** a − b in whole microseconds. */
export function diffMicroseconds(a: string, b: string): number {
  const x = mustParse(a);
  const y = mustParse(b);
  return (x.days - y.days) * US_PER_DAY + (x.us - y.us);
}

/** a − b in seconds, as a float with microsecond precision. */
export function diffSeconds(a: string, b: string): number {
  return diffMicroseconds(a, b) / US_PER_SECOND;
}

let lastUs = 0;

/**
 * The current time, normalised. The only clock read in orchestration: callers pass it in as `now`.
 * Date has millisecond resolution; the sub-millisecond digits come from the high-resolution timer, and
 * each call is at least a microsecond after the one before in this process: the timer's fraction is not
 * in step with Date's millisecond, so two calls within a millisecond could read backwards (an update
 * stamped before its create; a list sorted by `created` out of the order of its writes).
 */
export function nowTimestamp(): string {
  const ms = Date.now();
  const subMs = Math.floor((performance.now() % 1) * 1000);
  const totalUs = Math.max(ms * 1000 + subMs, lastUs + 1);
  lastUs = totalUs;
  const days = Math.floor(totalUs / US_PER_DAY);
  return formatInstant(fromParts(days, totalUs - days * US_PER_DAY)) as string;
}

function mustNormalize(ts: string): string {
  const out = normalizeTimestamp(ts);
  if (out === null) throw new RangeError(`Invalid timestamp: ${JSON.stringify(ts)}`);
  return out;
}

function mustParse(ts: string): Instant {
  const instant = parseInstant(ts);
  if (!instant) throw new RangeError(`Invalid timestamp: ${JSON.stringify(ts)}`);
  return instant;
}

/** parseInstant for a string already known to match NORMALIZED: fixed positions, no regex groups. */
function parseNormalized(s: string): Instant | null {
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  const hour = Number(s.slice(11, 13));
  const minute = Number(s.slice(14, 16));
  const second = Number(s.slice(17, 19));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return {
    days: daysFromCivil(year, month, day),
    us: ((hour * 60 + minute) * 60 + second) * US_PER_SECOND + Number(s.slice(20, 26)),
  };
}

function parseInstant(input: string): Instant | null {
  if (typeof input !== "string") return null;
  if (NORMALIZED.test(input)) return parseNormalized(input);
  const m = PATTERN.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zulu, sign, oh, om = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (sign && !zulu) {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 23 || offM > 59) return null;
    offsetMinutes = (sign === "-" ? -1 : 1) * (offH * 60 + offM);
  }
  const micros = Number(frac.slice(0, 6).padEnd(6, "0"));
  const localUs = ((hour * 60 + minute - offsetMinutes) * 60 + second) * US_PER_SECOND + micros;
  const instant = fromParts(daysFromCivil(year, month, day), localUs);
  // An offset can carry 0001-01-01 or 9999-12-31 out of the years a timestamp can have.
  return instant.days < MIN_DAYS || instant.days > MAX_DAYS ? null : instant;
}

function fromParts(days: number, us: number): Instant {
  const carry = Math.floor(us / US_PER_DAY);
  return { days: days + carry, us: us - carry * US_PER_DAY };
}

function formatInstant({ days, us }: Instant): string | null {
  const [year, month, day] = civilFromDays(days);
  if (year < 1 || year > 9999) return null;
  const secs = Math.floor(us / US_PER_SECOND);
  const micros = us - secs * US_PER_SECOND;
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` + `T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(micros, 6)}Z`
  );
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Proleptic Gregorian day counting (Howard Hinnant's days_from_civil / civil_from_days).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

const MIN_DAYS = daysFromCivil(1, 1, 1);
const MAX_DAYS = daysFromCivil(9999, 12, 31);
