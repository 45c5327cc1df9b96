// /api/variables: create, read by id and by name, filter, count, update and delete by id and by name.
// Variable.get in the SDK reads GET /variables/name/{name} and takes a 404 for "no such variable".
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { VariableCreateModel, VariableUpdateModel, variableInputOf, variablePatchOf } from "../schemas/variables.ts";
import { variableFilter } from "../store/variable-filters.ts";
import type { VariableChanges } from "../orchestration/variables.ts";
import { VARIABLE_SORTS, type VariableRef, type VariablesStore } from "../store/variables.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const FilterBody = t.Optional(
  t.Object(
    {
      variables: variableFilter.model,
      sort: opt(t.String()),
      limit: opt(t.Integer({ minimum: 0 })),
      offset: opt(t.Integer({ minimum: 0 })),
    },
    { additionalProperties: true },
  ),
);

const notFound = () => new AppError("not_found", "Variable not found.");

/** Names arrive URL-encoded (the SDK quotes them); a name Prefect allows never holds a %. */
export const pathName = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function variablesApi(deps: { variables: VariablesStore; changes: VariableChanges; maxLimit: number }) {
  const { variables, changes, maxLimit } = deps;
  const read = async (ref: VariableRef) => (await variables.get(ref)) ?? Promise.reject(notFound());
  const update = async (ref: VariableRef, body: typeof VariableUpdateModel.static) => {
    if (!(await changes.update(ref, variablePatchOf(body)))) throw notFound();
    return noContent();
  };
  const remove = async (ref: VariableRef) => {
    if (!(await changes.delete(ref))) throw notFound();
    return noContent();
  };
  return new Elysia({ name: "api.variables", prefix: "/variables" })
    .onTransform({ as: "local" }, ({ body, request }) => {
      if (request.method !== "GET" && request.method !== "DELETE") objectBody(body);
    })
    .post("/", async ({ body }) => json(await changes.create(variableInputOf(body)), 201), {
      body: VariableCreateModel,
    })
    .post(
      "/filter",
      ({ body }) => variables.filter(objectBody(body), pageOf(objectBody(body), maxLimit, VARIABLE_SORTS)),
      { body: FilterBody },
    )
    .post("/count", ({ body }) => variables.count(objectBody(body)), { body: FilterBody })
    .get("/:id", ({ params }) => read({ id: params.id }), { params: IdParams })
    .get("/name/:name", ({ params }) => read({ name: pathName(params.name) }))
    .patch("/:id", ({ params, body }) => update({ id: params.id }, body), {
      params: IdParams,
      body: VariableUpdateModel,
    })
    .patch("/name/:name", ({ params, body }) => update({ name: pathName(params.name) }, body), {
      body: VariableUpdateModel,
    })
    .delete("/:id", ({ params }) => remove({ id: params.id }), { params: IdParams })
    .delete("/name/:name", ({ params }) => remove({ name: pathName(params.name) }));
}
