// The filters of the artifact routes: ArtifactFilter on artifact, ArtifactCollectionFilter on
// artifact_collection, each also narrowed by the flow-run, task-run, flow and deployment filters of the
// runs an artifact names (Prefect's _apply_artifact_filters: the artifact's flow run must match them
// all, and its task run the task-run filter).
import type { SQL } from "drizzle-orm";
import type { JsonObject } from "../core/json.ts";
import { sql } from "../db/sql-tag.ts";
import { Uuid } from "../schemas/common.ts";
import { anyNotAny, anyOnly, Bool, type Field, listOf, obj, opt, resource, Str } from "./filter-fields.ts";
import { flowRunWhere, taskRunWhere } from "./filters.ts";
import { and, type Fragments, raw } from "./sql.ts";

type Json = JsonObject;

/** An artifact key: any_, like_ (a substring) and exists_ (whether it has one). */
const artifactKey = (col: string): Field => ({
  model: opt(obj({ any_: listOf(Str), like_: opt(Str), exists_: opt(Bool) })),
  sql: (f, d) => {
    const c = raw(col);
    const conds = anyNotAny(c, { any_: f.any_ });
    if (f.like_) conds.push(d.contains(c, String(f.like_)));
    if (f.exists_ !== undefined && f.exists_ !== null)
      conds.push(f.exists_ ? sql`${c} IS NOT NULL` : sql`${c} IS NULL`);
    return conds;
  },
});

const typeField = (col: string): Field => ({
  model: opt(obj({ any_: listOf(Str), not_any_: listOf(Str) })),
  sql: (f) => anyNotAny(raw(col), f),
});

const artifactFields = (table: string) => ({
  key: artifactKey(`${table}.key`),
  flow_run_id: anyOnly(`${table}.flow_run_id`, Uuid),
  task_run_id: anyOnly(`${table}.task_run_id`, Uuid),
  type: typeField(`${table}.type`),
});

export const artifactFilter = resource("artifacts", {
  id: anyOnly("artifact.id", Uuid),
  ...artifactFields("artifact"),
});
export const artifactCollectionFilter = resource("artifacts", {
  latest_id: anyOnly("artifact_collection.latest_id", Uuid),
  ...artifactFields("artifact_collection"),
});

/** The conditions of an artifact filter body on `table` (artifact or artifact_collection). */
export function artifactWhere(body: Json, d: Fragments, table: "artifact" | "artifact_collection"): SQL {
  const own = table === "artifact" ? artifactFilter : artifactCollectionFilter;
  const conds: SQL[] = body.artifacts ? own.conditions(body.artifacts, d) : [];
  if (body.flow_runs || body.flows || body.deployments) {
    const runBody = { flow_runs: body.flow_runs, flows: body.flows, deployments: body.deployments };
    conds.push(
      sql`${raw(`${table}.flow_run_id`)} IN (SELECT flow_run.id FROM flow_run WHERE ${flowRunWhere(runBody, d)})`,
    );
  }
  if (body.task_runs)
    conds.push(
      sql`${raw(`${table}.task_run_id`)} IN (SELECT task_run.id FROM task_run WHERE ${taskRunWhere({ task_runs: body.task_runs }, d)})`,
    );
  return and(conds);
}
