// The runs list's query string → Prefect filter body, and the windows the dashboard offers.
import type { RunsListQuery } from "../../views/pages/flow-runs.tsx";
import { addSeconds, nowTimestamp } from "../orchestration/index.ts";

export const WINDOWS: Array<[string, string, number | null]> = [
  ["1h", "Last hour", 3600],
  ["24h", "Last 24 hours", 86400],
  ["7d", "Last 7 days", 7 * 86400],
  ["30d", "Last 30 days", 30 * 86400],
  ["all", "All time", null],
];
export const WINDOW_OPTIONS = WINDOWS.map(([v, l]) => [v, l] as [string, string]);

export function windowStart(since: string): string | null {
  const w = WINDOWS.find(([v]) => v === since);
  return w && w[2] !== null ? addSeconds(nowTimestamp(), -w[2]) : null;
}

export const RUN_SORTS = ["EXPECTED_START_TIME_DESC", "EXPECTED_START_TIME_ASC", "NAME_ASC", "NAME_DESC", "START_TIME_DESC", "END_TIME_DESC"];

export type RunsQuery = RunsListQuery;

export function parseRunsQuery(query: Record<string, string | undefined>): RunsQuery {
  const since = WINDOWS.some(([v]) => v === query.since) ? query.since! : "7d";
  const sort = RUN_SORTS.includes(query.sort ?? "") ? query.sort! : "EXPECTED_START_TIME_DESC";
  return { state: (query.state ?? "").toUpperCase(), flow: query.flow ?? "", tag: query.tag ?? "", q: query.q ?? "", since, sort };
}

export function runsFilterBody(q: RunsQuery): Record<string, any> {
  const { body, since, states } = runsFilter(q);
  const flowRuns = { ...body.flow_runs, ...(states.length ? { state: { type: { any_: states } } } : {}), ...(since ? { expected_start_time: { after_: since } } : {}) };
  return { ...body, flow_runs: flowRuns };
}

/** The list's filters as a filter body without the time window and state, and those two apart. */
export function runsFilter(q: RunsQuery): { body: Record<string, any>; since: string | null; states: string[] } {
  const flowRuns: Record<string, any> = {};
  if (q.tag) flowRuns.tags = { all_: [q.tag] };
  if (q.q) flowRuns.name = { like_: q.q };
  return { body: { flow_runs: flowRuns, ...(q.flow ? { flows: { name: { like_: q.flow } } } : {}) }, since: windowStart(q.since), states: q.state ? [q.state] : [] };
}

/** A list position in a link: the row's sort key and id, as base64url JSON. */
export function encodeCursor(c: { key: string | number | null; id: string }): string {
  return Buffer.from(JSON.stringify([c.key, c.id])).toString("base64url");
}

export function decodeCursor(raw: string | undefined): { key: string | number | null; id: string } | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== "string" || !(v[0] === null || typeof v[0] === "string" || typeof v[0] === "number")) return null;
    return { key: v[0], id: v[1] };
  } catch {
    return null;
  }
}

export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
