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
  const flowRuns: Record<string, any> = {};
  if (q.state) flowRuns.state = { type: { any_: [q.state] } };
  if (q.tag) flowRuns.tags = { all_: [q.tag] };
  if (q.q) flowRuns.name = { like_: q.q };
  const start = windowStart(q.since);
  if (start) flowRuns.expected_start_time = { after_: start };
  return { flow_runs: flowRuns, ...(q.flow ? { flows: { name: { like_: q.flow } } } : {}) };
}

export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
