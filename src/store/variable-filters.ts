// Prefect's VariableFilter: id, name (any_, like_) and tags (all_, is_null_).
import type { SQL } from "drizzle-orm";
import type { JsonObject } from "../core/json.ts";
import { Uuid } from "../schemas/common.ts";
import { anyOnly, names, resource, tags } from "./filter-fields.ts";
import { and, type Fragments } from "./sql.ts";

type Json = JsonObject;

export const variableFilter = resource("variables", {
  id: anyOnly("variable.id", Uuid),
  name: names("variable.name"),
  tags: tags("variable.tags"),
});

export function variableWhere(body: Json, d: Fragments): SQL {
  return and(body.variables ? variableFilter.conditions(body.variables, d) : []);
}
