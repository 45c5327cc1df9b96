// /api/automations: create, read, filter, count, replace (PUT), enable/disable (PATCH), delete, the
// automations related to a resource and those it owns (DELETE owned-by answers 202, as Prefect's does;
// flow.serve() calls it before creating its triggers' automations), and /templates/validate (also under
// /automations/, where Prefect's UI still calls it): 204 for a template that may be saved, else 422 with
// Prefect's {"error": {line, message, source}}.
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { validateTemplate } from "../core/templates.ts";
import type { AutomationChanges } from "../orchestration/automations.ts";
import { automationCreateOf, automationPatchOf, automationUpdateOf } from "../schemas/automations.ts";
import { AUTOMATION_SORTS, automationFilter, type AutomationsStore } from "../store/automations.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";
import { pathName } from "./variables.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const FilterBody = t.Optional(
  t.Object(
    {
      automations: automationFilter.model,
      sort: opt(t.String()),
      limit: opt(t.Integer({ minimum: 0 })),
      offset: opt(t.Integer({ minimum: 0 })),
    },
    { additionalProperties: true },
  ),
);
const CountBody = t.Optional(t.Object({ automations: automationFilter.model }, { additionalProperties: true }));

const notFound = () => new AppError("not_found", "Automation not found");

function validateTemplateRoute({ body }: { body: unknown }) {
  // The body is the template as a JSON string (FastAPI's Body(default="")); an empty body is "".
  const template = typeof body === "string" ? body : body === undefined || body === null ? "" : null;
  if (template === null) throw new AppError("invalid", "Input should be a valid string");
  const err = validateTemplate(template);
  if (!err) return noContent();
  return json({ error: { line: err.line, message: err.message, source: template } }, 422);
}

export function templatesApi() {
  return new Elysia({ name: "api.templates" })
    .post("/templates/validate", validateTemplateRoute)
    .post("/automations/templates/validate", validateTemplateRoute);
}

export function automationsApi(deps: { automations: AutomationsStore; changes: AutomationChanges; maxLimit: number }) {
  const { automations, changes, maxLimit } = deps;
  return new Elysia({ name: "api.automations", prefix: "/automations" })
    .post("/", async ({ body }) => json(await changes.create(automationCreateOf(body)), 201))
    .post(
      "/filter",
      ({ body }) => automations.filter(objectBody(body), pageOf(objectBody(body), maxLimit, AUTOMATION_SORTS)),
      { body: FilterBody },
    )
    .post("/count", ({ body }) => automations.count(objectBody(body)), { body: CountBody })
    .get("/:id", async ({ params }) => (await automations.get(params.id)) ?? Promise.reject(notFound()), {
      params: IdParams,
    })
    .put(
      "/:id",
      async ({ params, body }) => {
        if (!(await changes.update(params.id, automationUpdateOf(body)))) throw notFound();
        return noContent();
      },
      { params: IdParams },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        if (!(await changes.setEnabled(params.id, automationPatchOf(body).enabled))) throw notFound();
        return noContent();
      },
      { params: IdParams },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await changes.delete(params.id))) throw notFound();
        return noContent();
      },
      { params: IdParams },
    )
    .get("/related-to/:resource_id", ({ params }) => automations.relatedTo(pathName(params.resource_id)))
    .delete("/owned-by/:resource_id", async ({ params }) => {
      await changes.deleteOwnedBy(pathName(params.resource_id));
      return json(null, 202);
    });
}
