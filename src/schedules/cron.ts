// Cron expressions as Prefect reads them (croniter): 5 fields, a 6th for seconds *after* the weekday, a 7th
// for the year; names (jan, mon), ranges that wrap (59-1, sat-mon), steps (*/15, 5/20), L for the last day
// of the month, 5#2 and L5 for the second and the last Friday. Each field is expanded here, with croniter's
// bounds and refusals, into explicit values that croner (which orders seconds first) then searches; croner
// runs on wall times counted as UTC (utcOffset 0: no Intl, ~2 µs a date) and zone.ts localises them.
import { Cron } from "croner";
import { MAX_US, US_PER_SECOND, type Zone } from "./zone";

export interface CompiledCron {
  cron: Cron;
  /** The croner pattern: seconds first. */
  pattern: string;
}

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MINUTE: Field = { min: 0, max: 59 };
const HOUR: Field = { min: 0, max: 23 };
const DOM: Field = { min: 1, max: 31 };
const MONTH: Field = { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) };
const DOW: Field = { min: 0, max: 7, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) };
const SECOND: Field = { min: 0, max: 59 };
const YEAR: Field = { min: 1970, max: 2099 };

const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Why an expression is refused, in Prefect's words. */
export class CronError extends Error {}

const invalid = (expr: string) => new CronError(`Invalid cron string: "${expr}"`);

/** Compiles a croniter expression, or throws CronError with Prefect's message. */
export function compileCron(expr: string, dayOr: boolean): CompiledCron {
  const fields = expr.trim().split(/\s+/);
  if (fields.length === 1 && fields[0].startsWith("@")) {
    const alias = ALIASES[fields[0].toLowerCase()];
    if (!alias) throw invalid(expr);
    return compileFields(expr, alias.split(" "), dayOr);
  }
  return compileFields(expr, fields, dayOr);
}

function compileFields(expr: string, fields: string[], dayOr: boolean): CompiledCron {
  if (fields.length < 5 || fields.length > 7) throw invalid(expr);
  // croniter's own check comes first: "R" is its random expression, refused afterwards with its own message.
  if (fields.some((f) => f === "R" || f === "r")) {
    throw new CronError(`Random and Hashed expressions are unsupported, received: "${expr}"`);
  }
  const [minute, hour, dom, month, dow, second = "0", year] = fields.map((f) => f.toLowerCase());
  const minutes = expand(expr, minute, MINUTE);
  const hours = expand(expr, hour, HOUR);
  const months = expand(expr, month, MONTH);
  const seconds = expand(expr, second, SECOND);
  const years = year === undefined ? null : expand(expr, year, YEAR);
  const domPart = dayOfMonth(expr, dom);
  const dowPart = dayOfWeek(expr, dow);
  const parts = [list(seconds, SECOND), list(minutes, MINUTE), list(hours, HOUR), domPart, list(months, MONTH)];
  parts.push(dowPart);
  if (years) parts.push(years.join(","));
  const pattern = parts.join(" ");
  try {
    const cron = new Cron(pattern, {
      utcOffset: 0,
      mode: years ? "7-part" : "6-part",
      domAndDow: !dayOr,
    });
    return { cron, pattern };
  } catch {
    throw invalid(expr);
  }
}

/** "*" when every value is there (croniter reads a full list as "*", which matters for day_or), else a list. */
function list(values: number[], field: Field): string {
  return values.length === field.max - field.min + 1 ? "*" : values.join(",");
}

function dayOfMonth(expr: string, text: string): string {
  const items = text.split(",");
  const last = items.filter((i) => i === "l");
  const values = expand(expr, items.filter((i) => i !== "l").join(","), DOM, last.length > 0);
  if (last.length > 0) return [...values, "L"].join(",");
  return list(values, DOM);
}

function dayOfWeek(expr: string, text: string): string {
  const out: string[] = [];
  const plain: string[] = [];
  for (const item of text.split(",")) {
    const nth = /^([a-z0-9]+)#([0-9]+)$/.exec(item);
    const lastOf = /^l([a-z0-9]+)$/.exec(item);
    if (nth) {
      const day = number(expr, nth[1], DOW) % 7;
      const n = Number(nth[2]);
      if (n < 1 || n > 5) throw invalid(expr);
      out.push(`${day}#${n}`);
    } else if (lastOf) {
      out.push(`${number(expr, lastOf[1], DOW) % 7}#L`);
    } else plain.push(item);
  }
  const values = [...new Set(expand(expr, plain.join(","), DOW, out.length > 0).map((v) => v % 7))].sort(
    (a, b) => a - b,
  );
  if (out.length === 0) return values.length === 7 ? "*" : values.join(",");
  return [...values.map(String), ...out].join(",");
}

/** The values a field names, ascending; `allowEmpty` when other items (L, #) stand beside it. */
function expand(expr: string, text: string, field: Field, allowEmpty = false): number[] {
  if (text === "") {
    if (allowEmpty) return [];
    throw invalid(expr);
  }
  const span = field.max - field.min + 1;
  const seen = new Set<number>();
  for (const item of text.split(",")) {
    const m = /^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:\/([0-9]+))?$/.exec(item);
    if (!m) throw invalid(expr);
    const [, from, to, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1 || (from === "*" && to !== undefined)) throw invalid(expr);
    const lo = from === "*" ? field.min : number(expr, from, field);
    // "5/15" runs to the end of the field; "*/15" over all of it; "a-b" may wrap ("59-1", "sat-mon").
    const hi =
      to !== undefined
        ? number(expr, to, field)
        : from === "*" || stepText !== undefined
          ? field === DOW
            ? 6
            : field.max
          : lo;
    const count = hi >= lo ? hi - lo + 1 : span - lo + hi + 1 - (field === DOW ? 1 : 0);
    for (let i = 0; i < count; i += step) {
      const top = field === DOW ? 6 : field.max;
      let v = lo + i;
      if (v > top) v = field.min + (v - top - 1);
      seen.add(v);
    }
  }
  return [...seen].sort((a, b) => a - b);
}

function number(expr: string, text: string, field: Field): number {
  const named = field.names?.[text];
  if (named !== undefined) return named;
  if (!/^[0-9]+$/.test(text)) throw invalid(expr);
  const n = Number(text);
  if (n < field.min || n > field.max) throw invalid(expr);
  return n;
}

const MAX_ITERATIONS = 1000;

/** A candidate: its wall time and the instant it names (µs). */
interface Candidate {
  wall: number;
  at: number;
}

/**
 * Prefect's CronSchedule.get_dates (its whenever engine): croniter's wall times from just before `start`,
 * each read as its first occurrence when clocks go back and moved forward by the skipped hour when they go
 * forward; a start inside a repeated hour skips the rest of it, a start just after a skipped hour looks
 * back for the wall times the skip moved past it. At most 1,002 candidates are looked at.
 */
export function cronDates(compiled: CompiledCron, zone: Zone, start: number, end: number | null, n: number): number[] {
  if (n <= 0) return [];
  const { cron } = compiled;
  const after = (wall: number): number | null => {
    const next = cron.nextRun(new Date(Math.floor(wall / 1000)));
    return next === null ? null : next.getTime() * 1000;
  };
  const localize = (wall: number) => zone.instant(wall, "forward");
  let startNaive = zone.wall(start) - US_PER_SECOND;
  if (start % US_PER_SECOND !== 0) startNaive += US_PER_SECOND;
  const transition = zone.transitionBefore(start + US_PER_SECOND);
  let lookback: (() => Candidate | null) | null = null;
  if (transition) {
    const gap = transition.after - transition.before;
    const since = start - transition.at;
    if (since >= 0 && since < -gap) {
      // Inside the repeated hour: its wall times fired on their first occurrence.
      startNaive = transition.at + transition.after - gap - US_PER_SECOND;
    }
    if (since >= 0 && since < gap) {
      const gapEnd = transition.at + transition.after;
      let w: number | null = startNaive - gap;
      lookback = () => {
        w = w === null ? null : after(w);
        if (w === null || w >= gapEnd) return (w = null);
        return { wall: w, at: localize(w) };
      };
    }
  }
  let w: number | null = startNaive;
  const main = (): Candidate | null => {
    w = w === null ? null : after(w);
    return w === null || w > MAX_US ? (w = null) : { wall: w, at: localize(w) };
  };
  const next = lookback ? merge(lookback, main) : main;
  const seen = new Set<number>();
  for (let i = 0; i < MAX_ITERATIONS + 2; i++) {
    const c = next();
    if (c === null || (end !== null && c.at > end)) break;
    if (c.at >= start && !seen.has(c.at)) seen.add(c.at);
    if (seen.size >= n) break;
  }
  return [...seen].sort((a, b) => a - b);
}

/** heapq.merge of two streams by instant; on a tie the first stream's goes first. */
function merge(a: () => Candidate | null, b: () => Candidate | null): () => Candidate | null {
  let ha = a();
  let hb = b();
  return () => {
    if (ha === null && hb === null) return null;
    if (hb === null || (ha !== null && ha.at <= hb.at)) {
      const out = ha;
      ha = a();
      return out;
    }
    const out = hb;
    hb = b();
    return out;
  };
}

/** True when the expression matches some date (croniter raises on one that never does: 30 February). */
export function cronEverMatches(compiled: CompiledCron): boolean {
  return compiled.cron.nextRun(new Date(Date.UTC(1970, 0, 1))) !== null;
}
