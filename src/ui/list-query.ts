// The runs list's query string → Prefect filter body, and the windows the dashboard offers.
import type { RunsListQuery } from "../../views/pages/flow-runs.tsx";
import { addSeconds, isNormalizedTimestamp, nowTimestamp } from "../orchestration/index.ts";
import type { JsonObject } from "../core/json.ts";
import { isUuid } from "../core/uuid.ts";

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

export const RUN_SORTS = [
  "EXPECTED_START_TIME_DESC",
  "EXPECTED_START_TIME_ASC",
  "NAME_ASC",
  "NAME_DESC",
  "START_TIME_DESC",
  "END_TIME_DESC",
];

export type RunsQuery = RunsListQuery;

export function parseRunsQuery(query: Record<string, string | undefined>): RunsQuery {
  const since = WINDOWS.some(([v]) => v === query.since) ? query.since! : "7d";
  const sort = RUN_SORTS.includes(query.sort ?? "") ? query.sort! : "EXPECTED_START_TIME_DESC";
  return {
    state: (query.state ?? "").toUpperCase(),
    flow: query.flow ?? "",
    tag: query.tag ?? "",
    q: query.q ?? "",
    since,
    sort,
    deployment: isUuid(query.deployment ?? "") ? query.deployment!.toLowerCase() : "",
  };
}

/** The list's filters as a filter body without the time window and state, and those two apart. */
export function runsFilter(q: RunsQuery): { body: JsonObject; since: string | null; states: string[] } {
  const flowRuns: JsonObject = {};
  if (q.tag) flowRuns.tags = { all_: [q.tag] };
  if (q.q) flowRuns.name = { like_: q.q };
  // By the run's own column, so runs of a deleted deployment still show and the index serves it.
  if (q.deployment) flowRuns.deployment_id = { any_: [q.deployment] };
  return {
    body: { flow_runs: flowRuns, ...(q.flow ? { flows: { name: { like_: q.flow } } } : {}) },
    since: windowStart(q.since),
    states: q.state ? [q.state] : [],
  };
}

/** A list position in a link: the row's sort key and id, as base64url JSON. */
export function encodeCursor(c: { key: string | number | null; id: string }): string {
  return Buffer.from(JSON.stringify([c.key, c.id])).toString("base64url");
}

/**
 * The cursor of a Previous/Next link, or null when there is none or it cannot belong to `sort` (then
 * the list starts from the top): a name for the name sorts, a normalised timestamp or null for the time
 * sorts, and a run id. A forged value never reaches the database, where PostgreSQL would reject it.
 */
export function decodeCursor(
  raw: string | undefined,
  sort: string,
): { key: string | number | null; id: string } | null {
  if (!raw) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== "string" || !isUuid(v[1])) return null;
  const key = v[0];
  const fits = sort.startsWith("NAME_")
    ? typeof key === "string"
    : key === null || (typeof key === "string" && isNormalizedTimestamp(key));
  return fits ? { key, id: v[1] } : null;
}

export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
