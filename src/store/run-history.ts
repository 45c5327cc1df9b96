// POST /flow_runs/history and /task_runs/history: runs bucketed by expected start time into fixed
// intervals, counted per state, with summed run time and lateness. The bucketing happens in SQL so it
// scales with the index, not the rows. POST /flow_runs/lateness: the matching runs' average lateness.
import { sql } from "../db/sql-tag.ts";
import type { Driver, Row } from "../db/driver.ts";
import { row, rows } from "../db/driver.ts";
import { invalidFields } from "../core/errors.ts";
import { addSeconds, diffSeconds, normalizeTimestamp } from "../orchestration/index.ts";
import { TERMINAL_STATES } from "../orchestration/states.ts";
import { MAX_INTERVAL_SECONDS, nowTimestamp } from "../core/time.ts";
import { flowRunWhere, taskRunWhere } from "./filters.ts";
import { fragmentsFor, raw } from "./sql.ts";
import type { JsonObject } from "../core/json.ts";

const MAX_INTERVALS = 500;
const TERMINAL_SQL = [...TERMINAL_STATES].map((s) => `'${s}'`).join(", ");

function parseInterval(body: JsonObject): number {
  const v = body.history_interval_seconds ?? body.history_interval;
  const seconds = typeof v === "number" ? v : typeof v === "string" ? isoDurationSeconds(v) : NaN;
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw invalidFields("History interval must not be less than 1 second.", [
      {
        path: ["history_interval"],
        msg: "History interval must not be less than 1 second.",
        type: "value_error",
      },
    ]);
  }
  if (seconds > MAX_INTERVAL_SECONDS) {
    const msg = `History interval must not be more than ${MAX_INTERVAL_SECONDS} seconds (100 years).`;
    throw invalidFields(msg, [{ path: ["history_interval"], msg, type: "value_error" }]);
  }
  return seconds;
}

/** "3600", "PT1H", "P1DT2H30M" → seconds. */
function isoDurationSeconds(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m) return NaN;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

function bound(value: unknown, field: string): string {
  const n = typeof value === "string" ? normalizeTimestamp(value) : null;
  if (!n)
    throw invalidFields(`Invalid datetime in ${field}`, [
      { path: [field], msg: "Input should be a valid datetime", type: "datetime_parsing" },
    ]);
  return n;
}

export interface HistoryState {
  state_type: string | null;
  state_name: string | null;
  count_runs: number;
  sum_estimated_run_time: number;
  sum_estimated_lateness: number;
}

export function runHistoryStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    flowRunHistory(body: JsonObject) {
      return history("flow_run", body);
    },

    taskRunHistory(body: JsonObject) {
      return history("task_run", body);
    },

    /**
     * Average seconds the matching flow runs started after they were expected, as Prefect counts it: a
     * run that started late counts its delay, one not started and not finished whose time has passed
     * counts the wait so far, any other 0. Null when no run matches.
     */
    lateness(body: JsonObject): Promise<number | null> {
      return driver.read(function* () {
        const now = nowTimestamp();
        const late = sql`CASE
          WHEN flow_run.start_time IS NOT NULL AND flow_run.start_time > flow_run.expected_start_time
            THEN ${d.epoch(sql`flow_run.start_time`)} - ${d.epoch(sql`flow_run.expected_start_time`)}
          WHEN flow_run.start_time IS NULL AND flow_run.state_type NOT IN (${raw(TERMINAL_SQL)})
            AND flow_run.expected_start_time < ${now}
            THEN ${Date.parse(now) / 1000} - ${d.epoch(sql`flow_run.expected_start_time`)}
          ELSE 0 END`;
        const r = yield* row<{ n: number; lateness: number | null }>(sql`
          SELECT count(*) AS n, avg(${late}) AS lateness FROM flow_run WHERE ${flowRunWhere(body, d)}`);
        return r && Number(r.n) > 0 && r.lateness !== null ? Number(r.lateness) : null;
      });
    },
  };

  function history(table: "flow_run" | "task_run", body: JsonObject) {
    const t = raw(table);
    const where = table === "flow_run" ? flowRunWhere(body, d) : taskRunWhere(body, d);
    {
      const start = bound(body.history_start, "history_start");
      const end = bound(body.history_end, "history_end");
      const interval = parseInterval(body);
      const span = diffSeconds(end, start);
      if (span < 0)
        throw invalidFields("history_end must not be before history_start", [
          { path: ["history_end"], msg: "history_end must not be before history_start", type: "value_error" },
        ]);
      const buckets = Math.max(1, Math.ceil(span / interval));
      // The last bucket must still end before year 10000, where timestamps stop.
      try {
        addSeconds(start, buckets * interval);
      } catch {
        throw invalidFields("History interval reaches past the last representable time.", [
          { path: ["history_interval"], msg: "History interval is too large", type: "value_error" },
        ]);
      }
      if (buckets > MAX_INTERVALS)
        throw invalidFields(`History interval is too small: at most ${MAX_INTERVALS} intervals are allowed.`, [
          { path: ["history_interval"], msg: "History interval is too small", type: "value_error" },
        ]);
      return driver.read(function* () {
        const startEpoch = Date.parse(start) / 1000; // millisecond precision is plenty for bucketing
        const bucket = sql`CAST(floor((${d.epoch(sql`${t}.expected_start_time`)} - ${startEpoch}) / ${interval}) AS INTEGER)`;
        const lateness = sql`CASE WHEN ${t}.start_time IS NOT NULL AND ${t}.start_time > ${t}.expected_start_time
          THEN ${d.epoch(sql`${t}.start_time`)} - ${d.epoch(sql`${t}.expected_start_time`)} ELSE 0 END`;
        const rs = yield* rows<Row>(sql`
          SELECT ${bucket} AS bucket, ${t}.state_type, ${t}.state_name, count(*) AS count,
                 sum(${t}.total_run_time) AS run_time, sum(${lateness}) AS lateness
          FROM ${t}
          WHERE ${t}.expected_start_time >= ${start} AND ${t}.expected_start_time <= ${end} AND ${where}
          GROUP BY 1, ${d.groupKey(sql`${t}.state_type`)}, ${d.groupKey(sql`${t}.state_name`)} ORDER BY 1, 2, 3`);
        const out = Array.from({ length: buckets }, (_, i) => ({
          interval_start: addSeconds(start, i * interval),
          interval_end: addSeconds(start, (i + 1) * interval),
          states: [] as HistoryState[],
        }));
        for (const r of rs) {
          const i = Math.min(buckets - 1, Math.max(0, Number(r.bucket)));
          out[i].states.push({
            state_type: (r.state_type as string | null) ?? null,
            state_name: (r.state_name as string | null) ?? null,
            count_runs: Number(r.count),
            sum_estimated_run_time: Number(r.run_time ?? 0),
            sum_estimated_lateness: Number(r.lateness ?? 0),
          });
        }
        return out;
      });
    }
  }
}

export type RunHistoryStore = ReturnType<typeof runHistoryStore>;
