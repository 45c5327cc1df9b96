// Prefect's sort names per resource (schemas/sorting.py) and the ORDER BY each means.
import type { SQL } from "drizzle-orm";
import { raw } from "./sql.ts";

// [expression, direction] per sort name, as Prefect's sorting.py defines them; NULLs fall where each
// dialect puts them (Prefect writes plain ASC/DESC too). The id breaks ties so pages never overlap.
type Sort = [expr: string, dir: "ASC" | "DESC"];
const SORTS: Record<string, Record<string, Sort>> = {
  flow: {
    CREATED_DESC: ["flow.created", "DESC"],
    UPDATED_DESC: ["flow.updated", "DESC"],
    NAME_ASC: ["flow.name", "ASC"],
    NAME_DESC: ["flow.name", "DESC"],
  },
  flow_run: {
    ID_DESC: ["flow_run.id", "DESC"],
    START_TIME_ASC: ["coalesce(flow_run.start_time, flow_run.expected_start_time)", "ASC"],
    START_TIME_DESC: ["coalesce(flow_run.start_time, flow_run.expected_start_time)", "DESC"],
    EXPECTED_START_TIME_ASC: ["flow_run.expected_start_time", "ASC"],
    EXPECTED_START_TIME_DESC: ["flow_run.expected_start_time", "DESC"],
    NAME_ASC: ["flow_run.name", "ASC"],
    NAME_DESC: ["flow_run.name", "DESC"],
    NEXT_SCHEDULED_START_TIME_ASC: ["flow_run.next_scheduled_start_time", "ASC"],
    END_TIME_DESC: ["flow_run.end_time", "DESC"],
  },
  task_run: {
    ID_DESC: ["task_run.id", "DESC"],
    EXPECTED_START_TIME_ASC: ["task_run.expected_start_time", "ASC"],
    EXPECTED_START_TIME_DESC: ["task_run.expected_start_time", "DESC"],
    NAME_ASC: ["task_run.name", "ASC"],
    NAME_DESC: ["task_run.name", "DESC"],
    NEXT_SCHEDULED_START_TIME_ASC: ["task_run.next_scheduled_start_time", "ASC"],
    END_TIME_DESC: ["task_run.end_time", "DESC"],
  },
  deployment: {
    CREATED_DESC: ["deployment.created", "DESC"],
    UPDATED_DESC: ["deployment.updated", "DESC"],
    NAME_ASC: ["deployment.name", "ASC"],
    NAME_DESC: ["deployment.name", "DESC"],
  },
  variable: {
    CREATED_DESC: ["variable.created", "DESC"],
    UPDATED_DESC: ["variable.updated", "DESC"],
    NAME_ASC: ["variable.name", "ASC"],
    NAME_DESC: ["variable.name", "DESC"],
  },
  artifact: {
    ID_DESC: ["artifact.id", "DESC"],
    CREATED_DESC: ["artifact.created", "DESC"],
    UPDATED_DESC: ["artifact.updated", "DESC"],
    KEY_ASC: ["artifact.key", "ASC"],
    KEY_DESC: ["artifact.key", "DESC"],
  },
  artifact_collection: {
    ID_DESC: ["artifact_collection.id", "DESC"],
    CREATED_DESC: ["artifact_collection.created", "DESC"],
    UPDATED_DESC: ["artifact_collection.updated", "DESC"],
    KEY_ASC: ["artifact_collection.key", "ASC"],
    KEY_DESC: ["artifact_collection.key", "DESC"],
  },
  log: { TIMESTAMP_ASC: ["log.timestamp", "ASC"], TIMESTAMP_DESC: ["log.timestamp", "DESC"] },
};

export const SORT_NAMES = Object.fromEntries(Object.entries(SORTS).map(([k, v]) => [k, Object.keys(v)])) as Record<
  string,
  string[]
>;

/** ORDER BY for a sort name, with the row id as the tie-breaker. */
export function orderBy(table: keyof typeof SORTS, sort: string | null | undefined, fallback: string): SQL {
  const [expr, dir] = sortKey(table, sort, fallback);
  return raw(expr === `${table}.id` ? `${expr} ${dir}` : `${expr} ${dir}, ${table}.id ${dir}`);
}

/** The sort key expression and direction of a sort name (for keyset pagination over the same order). */
export function sortKey(table: keyof typeof SORTS, sort: string | null | undefined, fallback: string): Sort {
  return SORTS[table][sort ?? fallback] ?? SORTS[table][fallback];
}
