// Time-zone arithmetic for the schedules: a zone's UTC offsets, read from Intl once per zone and year and kept
// as a table of transitions, so that every later conversion is a binary search (the scheduler converts
// thousands of dates per pass; Intl costs microseconds a call).
//
// Instants and wall times are integer microseconds since 1970-01-01 (a wall time is the local clock reading
// counted as if it were UTC). Numbers stay exact to the microsecond for years 1700–2199, the range the
// schedules compute in (MIN_US, MAX_US).
import { diffMicroseconds, addMicroseconds } from "../core/time";

export const US_PER_SECOND = 1_000_000;
export const US_PER_DAY = 86_400 * US_PER_SECOND;
const EPOCH = "1970-01-01T00:00:00.000000Z";
/** Dates past 2199 are never produced: beyond it microseconds stop being exact as JavaScript numbers. */
export const MAX_US = diffMicroseconds("2200-01-01T00:00:00.000000Z", EPOCH);
export const MIN_US = diffMicroseconds("1700-01-01T00:00:00.000000Z", EPOCH);

/** A normalised timestamp as microseconds since the epoch. */
export const toUs = (ts: string): number => diffMicroseconds(ts, EPOCH);
/** Microseconds since the epoch as a normalised timestamp. */
export const fromUs = (us: number): string => addMicroseconds(EPOCH, us);

interface Transition {
  at: number; // the instant of the change, µs
  before: number; // offset before, µs
  after: number; // offset after, µs
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** Intl's formatter for a zone, or null when Intl does not know the name spelt exactly so. */
function formatter(name: string): Intl.DateTimeFormat | null {
  let f = formatters.get(name);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: name,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
      // Intl accepts any letter case ("america/new_york" resolves to "America/New_York"); Prefect wants
      // the exact name. Links ("US/Eastern", "Asia/Calcutta") resolve to themselves.
      if (f.resolvedOptions().timeZone !== name) f = null;
    } catch {
      f = null;
    }
    formatters.set(name, f);
  }
  return f;
}

/** True when `name` is an IANA zone that Intl knows, spelt exactly. */
export function isKnownZone(name: string): boolean {
  return name === "UTC" || formatter(name) !== null;
}

const zones = new Map<string, Zone>();

export class Zone {
  /** Transitions per year, filled on demand. */
  private readonly years = new Map<number, Transition[]>();
  /** The offset at the start of each year in `years`. */
  private readonly firstOffset = new Map<number, number>();
  private readonly fixed: number | null;

  private constructor(
    readonly name: string,
    private readonly fmt: Intl.DateTimeFormat | null,
  ) {
    this.fixed = fmt === null || /^(Etc\/)?(UTC|GMT|UCT|Zulu|Universal|Greenwich)$/.test(name) ? 0 : null;
  }

  /** The zone by name ("UTC" for null); the name must have passed isKnownZone. */
  static get(name: string | null): Zone {
    const key = name ?? "UTC";
    let z = zones.get(key);
    if (!z) {
      z = new Zone(key, key === "UTC" ? null : formatter(key));
      zones.set(key, z);
    }
    return z;
  }

  /** The offset (µs) in force at an instant. */
  offsetAt(us: number): number {
    if (this.fixed !== null) return this.fixed;
    const year = yearOf(us);
    const list = this.transitions(year);
    // Last transition at or before `us` in this year; before the year's first, the offset its first had.
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].at <= us) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 ? list[found].after : (this.firstOffset.get(year) as number);
  }

  /** The local clock reading at an instant. */
  wall(us: number): number {
    return us + this.offsetAt(us);
  }

  /**
   * The instant a wall time names. A repeated wall time (clocks set back) takes its first occurrence
   * ("earlier") or its second ("later"); a skipped one (clocks set forward) is read with the offset before
   * the change ("forward": 02:30 becomes 03:30) or the offset after it ("backward": 02:30 becomes 01:30).
   */
  instant(wall: number, gap: "forward" | "backward", fold: "earlier" | "later" = "earlier"): number {
    if (this.fixed !== null) return wall - this.fixed;
    const o1 = this.offsetAt(wall - US_PER_DAY);
    const o2 = this.offsetAt(wall + US_PER_DAY);
    const a = wall - o1;
    const aOk = this.offsetAt(a) === o1;
    if (o1 === o2) return aOk ? a : wall - this.offsetAt(a);
    const b = wall - o2;
    const bOk = this.offsetAt(b) === o2;
    if (aOk && bOk) return a < b === (fold === "earlier") ? a : b;
    if (aOk) return a;
    if (bOk) return b;
    const lo = o1 < o2 ? o1 : o2;
    const hi = o1 < o2 ? o2 : o1;
    return gap === "forward" ? wall - lo : wall - hi;
  }

  /** The last transition strictly before `us` and no more than a day before it, or null. */
  transitionBefore(us: number): Transition | null {
    if (this.fixed !== null) return null;
    let best: Transition | null = null;
    for (const year of [yearOf(us - US_PER_DAY), yearOf(us)]) {
      for (const t of this.transitions(year)) if (t.at < us && t.at >= us - US_PER_DAY) best = t;
    }
    return best;
  }

  /** Transitions whose clocks go forward (skipped wall times), with us1 <= at < us2, in order. */
  gapsBetween(us1: number, us2: number): Transition[] {
    if (this.fixed !== null || us2 <= us1) return [];
    const out: Transition[] = [];
    for (let y = yearOf(us1); y <= yearOf(us2); y++) {
      for (const t of this.transitions(y)) if (t.at >= us1 && t.at < us2 && t.after > t.before) out.push(t);
    }
    return out;
  }

  /** The offset at an instant, from Intl (slow: only while building the table). */
  private readOffset(us: number): number {
    const ms = Math.floor(us / 1000 / 1000) * 1000;
    const parts = this.fmt!.formatToParts(new Date(ms));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    const wallMs = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    return (wallMs - ms) * 1000;
  }

  /** The year's transitions, found by sampling the offset every day and bisecting each change to the second. */
  private transitions(year: number): Transition[] {
    let list = this.years.get(year);
    if (list) return list;
    list = [];
    const start = Date.UTC(year, 0, 1) * 1000;
    const end = Date.UTC(year + 1, 0, 1) * 1000;
    let prevAt = start;
    let prev = this.readOffset(start);
    this.firstOffset.set(year, prev);
    for (let t = start + US_PER_DAY; ; t += US_PER_DAY) {
      const at = t < end ? t : end;
      const off = this.readOffset(at);
      if (off !== prev) {
        let lo = prevAt; // offset `prev` here
        let hi = at; // offset `off` here
        while (hi - lo > US_PER_SECOND) {
          const mid = lo + Math.floor((hi - lo) / 2 / US_PER_SECOND) * US_PER_SECOND;
          if (this.readOffset(mid) === prev) lo = mid;
          else hi = mid;
        }
        if (hi < end) list.push({ at: hi, before: prev, after: off });
        prev = off;
      }
      prevAt = at;
      if (at >= end) break;
    }
    this.years.set(year, list);
    return list;
  }
}

/** The UTC calendar year of an instant. */
function yearOf(us: number): number {
  return new Date(Math.floor(us / 1000)).getUTCFullYear();
}
