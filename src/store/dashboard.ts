// The dashboard's numbers for a time window: flow runs per state (type and name) with their history
// over time, and task runs per state type, fast at a million runs for every window.
//
// Counts are built from per-hour counts kept by triggers (flow_run_hourly_count, task_run_hourly_count:
// migrations/sqlite/0005, migrations/pg/0006), so 30 days are a few thousand small rows instead of a
// million runs. The hour the window
// starts in is corrected exactly: the runs of that hour before the window start are read from the
// expected-start-time index and taken off. History over more than two days is bucketed in whole hours
// from the same rows; shorter windows keep the finer buckets of /flow_runs/history.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, rows } from "../db/driver.ts";
import { runHistoryStore } from "./run-history.ts";
import { fragmentsFor, raw } from "./sql.ts";

export interface StateCount {
  state_type: string | null;
  state_name: string | null;
  count: number;
}

export interface TaskStateCount {
  state_type: string | null;
  count: number;
}

export interface HistoryBar {
  interval_start: string;
  interval_end: string;
  states: Array<{ state_type: string | null; state_name: string | null; count_runs: number }>;
}

export interface DashboardSummary {
  counts: StateCount[];
  total: number;
  history: HistoryBar[];
  taskCounts: TaskStateCount[];
  taskTotal: number;
}

export interface SummaryWindow {
  /** Runs expected to start at or after this (ISO, normalised); null for all runs. */
  start: string | null;
  /** The history chart's span. */
  historyStart: string;
  historyEnd: string;
  /** About how many bars the chart should have. */
  bars?: number;
}

const HOUR_MS = 3_600_000;
/** How often PostgreSQL's per-hour deltas are folded: at 5,000 transitions/s about 100,000 rows. */
const FOLDED_KEYS = {
  flow_run_hourly_count: ["hour", "state_type", "state_name"],
  task_run_hourly_count: ["hour", "state_type"],
} as const;
/** Longest span still charted from the runs themselves in finer-than-hour buckets. */
const FINE_HISTORY_SPAN_S = 2 * 86400;

/** '2026-11-25T09' for a normalised timestamp. */
const hourKey = (ts: string) => ts.slice(0, 13);
const hourStart = (ts: string) => `${hourKey(ts)}:00:00.000000Z`;
const hourMs = (key: string) => Date.parse(`${key}:00:00Z`);
const isoOf = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/** '' (how the hourly tables store a missing value) back to null. */
const orNull = (v: unknown) => (v === "" || v === null || v === undefined ? null : String(v));

type HourRow = { hour: string; state_type: string; state_name: string; runs: number };

export function dashboardStore(driver: Driver) {
  const history = runHistoryStore(driver);
  const pg = driver.dialect === "pg";
  const d = fragmentsFor(driver.dialect);

  // Per-hour counts from `fromHour` on (every hour, and runs with no expected start, when null). SQLite
  // has one row per hour and state; PostgreSQL may have several not yet folded (see compact below).
  function hourCounts(table: keyof typeof FOLDED_KEYS, fromHour: string | null): SQL {
    const keys = raw(FOLDED_KEYS[table].join(", "));
    const name = table === "flow_run_hourly_count" ? sql`` : sql`, '' AS state_name`;
    return sql`SELECT ${keys}${name}, sum(runs) AS runs FROM ${raw(table)}${fromHour === null ? sql`` : sql` WHERE hour >= ${fromHour}`}
      GROUP BY ${keys} HAVING sum(runs) <> 0`;
  }

  // PostgreSQL's triggers append a signed delta per statement (migrations/pg/0006) rather than update one
  // shared row per hour, so that concurrent transitions never queue on it. Folding each hour and state's
  // deltas into one row keeps what the dashboard reads small; a count is the same before and after.
  // Runs of other transactions that commit meanwhile are not deleted (not visible to the DELETE), so
  // they stay as deltas for the next fold.
  function* compactOp(): Op<void> {
    for (const [table, keys] of Object.entries(FOLDED_KEYS)) {
      const cols = (prefix = "") => raw(keys.map((c) => prefix + c).join(", "));
      yield* exec(sql`
        WITH split AS (SELECT ${cols()} FROM ${raw(table)} GROUP BY ${cols()} HAVING count(*) > 1),
        gone AS (DELETE FROM ${raw(table)} c USING split WHERE (${cols("c.")}) = (${cols("split.")}) RETURNING ${cols("c.")}, c.runs)
        INSERT INTO ${raw(table)} (${cols()}, runs) SELECT ${cols()}, sum(runs) FROM gone GROUP BY ${cols()} HAVING sum(runs) <> 0`);
    }
  }

  function* summaryOp(w: SummaryWindow): Op<Omit<DashboardSummary, "history"> & { hours: HourRow[] }> {
    const fine = Date.parse(w.historyEnd) - Date.parse(w.historyStart) <= FINE_HISTORY_SPAN_S * 1000;
    // Hours needed: the window's (for the counts) and, for a coarse chart, the chart's.
    const countFrom = w.start === null ? null : hourKey(w.start);
    const chartFrom = fine ? countFrom : hourKey(w.historyStart);
    // Hour keys are text (ISO hours), compared as text.
    const fromHour = countFrom === null || chartFrom === null ? null : countFrom < chartFrom ? countFrom : chartFrom;
    const hours = (yield* rows<Row>(hourCounts("flow_run_hourly_count", fromHour))).map(
      (r) => ({ ...r, runs: Number(r.runs) }) as HourRow,
    );
    const taskHours = (yield* rows<Row>(hourCounts("task_run_hourly_count", countFrom))).map(
      (r) => ({ ...r, runs: Number(r.runs) }) as HourRow,
    );
    // Runs of the window's first hour that started before the window: counted in that hour, not in the window.
    let before: HourRow[] = [];
    let taskBefore: HourRow[] = [];
    if (w.start !== null) {
      const from = hourStart(w.start);
      before = (yield* rows<Row>(sql`
        SELECT flow_run.state_type, flow_run.state_name, count(*) AS runs FROM flow_run
        WHERE flow_run.expected_start_time >= ${from} AND flow_run.expected_start_time < ${w.start}
        GROUP BY ${d.groupKey(raw("flow_run.state_type"))}, ${d.groupKey(raw("flow_run.state_name"))}`)).map((r) => ({
        hour: countFrom!,
        state_type: String(r.state_type ?? ""),
        state_name: String(r.state_name ?? ""),
        runs: -Number(r.runs),
      }));
      taskBefore = (yield* rows<Row>(sql`
        SELECT task_run.state_type, count(*) AS runs FROM task_run
        WHERE task_run.expected_start_time >= ${from} AND task_run.expected_start_time < ${w.start}
        GROUP BY ${d.groupKey(raw("task_run.state_type"))}`)).map((r) => ({
        hour: countFrom!,
        state_type: String(r.state_type ?? ""),
        state_name: "",
        runs: -Number(r.runs),
      }));
    }
    const inWindow = (h: HourRow) => countFrom === null || (h.hour !== "" && h.hour >= countFrom);
    const counts = tally([...hours.filter(inWindow), ...before]).map(([t, n, c]) => ({
      state_type: orNull(t),
      state_name: orNull(n),
      count: c,
    }));
    const taskCounts = tally([...taskHours.filter(inWindow), ...taskBefore]).map(([t, , c]) => ({
      state_type: orNull(t),
      count: c,
    }));
    return { counts, total: sum(counts), taskCounts, taskTotal: sum(taskCounts), hours };
  }

  return {
    async summary(w: SummaryWindow): Promise<DashboardSummary> {
      const bars = w.bars ?? 60;
      const spanS = (Date.parse(w.historyEnd) - Date.parse(w.historyStart)) / 1000;
      const fine = spanS <= FINE_HISTORY_SPAN_S;
      const [s, fineHistory] = await Promise.all([
        driver.read(() => summaryOp(w)),
        fine
          ? history.flowRunHistory({
              history_start: w.historyStart,
              history_end: w.historyEnd,
              history_interval: Math.max(60, Math.ceil(spanS / bars)),
            })
          : null,
      ]);
      const { hours, ...rest } = s;
      return { ...rest, history: fineHistory ?? hourlyBars(hours, w.historyStart, w.historyEnd, bars) };
    },
    /** Folds PostgreSQL's per-hour deltas (SQLite keeps one row per hour and state already). */
    async compact(): Promise<void> {
      if (pg) await driver.tx(compactOp);
    },
  };
}

const sum = (cs: Array<{ count: number }>) => cs.reduce((n, c) => n + c.count, 0);

/** [state_type, state_name, count] per state with a non-zero count, largest first. */
function tally(hours: HourRow[]): Array<[string, string, number]> {
  const by = new Map<string, [string, string, number]>();
  for (const h of hours) {
    const k = `${h.state_type}\u0000${h.state_name}`;
    const e = by.get(k) ?? [h.state_type, h.state_name, 0];
    e[2] += h.runs;
    by.set(k, e);
  }
  return [...by.values()]
    .filter((e) => e[2] !== 0)
    .sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}

/** Whole-hour buckets, as many hours each as keeps the chart near `bars` bars, from the start's hour to the end's. */
function hourlyBars(hours: HourRow[], start: string, end: string, bars: number): HistoryBar[] {
  const first = hourMs(hourKey(start));
  const last = hourMs(hourKey(end));
  const spanHours = Math.round((last - first) / HOUR_MS) + 1;
  const width = Math.max(1, Math.ceil(spanHours / bars));
  const n = Math.ceil(spanHours / width);
  const out: HistoryBar[] = Array.from({ length: n }, (_, i) => ({
    interval_start: isoOf(first + i * width * HOUR_MS),
    interval_end: isoOf(first + (i + 1) * width * HOUR_MS),
    states: [],
  }));
  const cells = new Map<string, { state_type: string | null; state_name: string | null; count_runs: number }>();
  for (const h of hours) {
    if (!h.hour || !h.runs) continue;
    const i = Math.floor((hourMs(h.hour) - first) / (width * HOUR_MS));
    if (i < 0 || i >= n) continue;
    const k = `${i}\u0000${h.state_type}\u0000${h.state_name}`;
    let c = cells.get(k);
    if (!c) {
      c = { state_type: orNull(h.state_type), state_name: orNull(h.state_name), count_runs: 0 };
      cells.set(k, c);
      out[i].states.push(c);
    }
    c.count_runs += h.runs;
  }
  for (const b of out) b.states = b.states.filter((s) => s.count_runs > 0);
  return out;
}

export type DashboardStore = ReturnType<typeof dashboardStore>;
