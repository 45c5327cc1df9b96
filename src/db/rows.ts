// Rows come back differently per dialect: SQLite gives JSON as text and booleans as 0/1, PostgreSQL gives
// timestamptz as "2026-08-21 12:00:00.1+00" and counts as strings. decodeRow makes them one shape,
// keyed by column name, so repositories never look at the dialect.
import { normalizePgTimestamp } from "./pg-time.ts";

const JSON_COLUMNS = new Set([
  "tags",
  "labels",
  "empirical_policy",
  "parameters",
  "context",
  "created_by",
  "job_variables",
  "task_inputs",
  "state_details",
  "data",
  "resource",
  "related",
  "related_resource_ids",
  "payload",
  "state",
  "state_data",
  "state_state_details", // joined state columns
]);
const TIMESTAMP_COLUMNS = new Set([
  "created",
  "updated",
  "state_timestamp",
  "expected_start_time",
  "next_scheduled_start_time",
  "start_time",
  "end_time",
  "timestamp",
  "cache_expiration",
  "occurred",
  "received",
  "recorded",
  "state_created",
  "state_updated",
]);
const BOOLEAN_COLUMNS = new Set(["auto_scheduled"]);
const NUMBER_COLUMNS = new Set(["count", "total_run_time", "run_count", "flow_run_run_count", "level"]);

export function decodeRow(r: Record<string, unknown>, dialect: "sqlite" | "pg"): Record<string, unknown> {
  for (const key in r) {
    const v = r[key];
    if (v === null || v === undefined) continue;
    if (JSON_COLUMNS.has(key)) {
      if (typeof v === "string" && dialect === "sqlite") r[key] = JSON.parse(v);
    } else if (TIMESTAMP_COLUMNS.has(key)) {
      if (dialect === "pg")
        r[key] = typeof v === "string" ? normalizePgTimestamp(v) : (v as Date).toISOString().replace("Z", "000Z");
    } else if (BOOLEAN_COLUMNS.has(key)) {
      r[key] = v === true || v === 1;
    } else if (NUMBER_COLUMNS.has(key) && typeof v === "string") {
      r[key] = Number(v);
    }
  }
  return r;
}
