// Dashboard pages about variables: the list (search by name) with the create form, a variable's page
// with its edit form, and delete. The value is typed as JSON; a form with any bad field writes nothing
// and comes back (422) with what was typed and the problems by their fields. Writes go through the
// variable changes the API uses (which publish the events), with the API's checks (schemas/variables.ts).
import { Elysia, t } from "elysia";
import type { VariableFormErrors, VariableFormValues } from "../../views/components/variable-form.tsx";
import { VariablePage } from "../../views/pages/variable.tsx";
import { VariablesPage, variableHref } from "../../views/pages/variables.tsx";
import { AppError, isFieldIssues } from "../core/errors.ts";
import { checkVariableName, checkVariableValue } from "../schemas/variables.ts";
import type { VariableJson } from "../store/variables.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";

const PAGE_SIZE = 50;
const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));
const EMPTY: VariableFormValues = { name: "", value: "", tags: "" };

const nameOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
const text = (body: unknown, key: string) => {
  const v = (body as Record<string, unknown> | null)?.[key];
  return typeof v === "string" ? v : "";
};
const back = (to: string, notice: string) => Response.redirect(`${to}?notice=${encodeURIComponent(notice)}`, 303);

/** The problem a check found, as the message a form shows. */
function problem(e: unknown): string {
  if (e instanceof AppError) {
    const f = isFieldIssues(e.detail) ? e.detail.fields[0] : undefined;
    return (f?.msg ?? e.message).replace(/^Value error, /, "");
  }
  throw e;
}

type Parsed = { ok: true; name: string; value: unknown; tags: string[] } | { ok: false; errors: VariableFormErrors };

/** The form's fields checked as the API checks them; every problem at once. */
export function parseVariableForm(values: VariableFormValues, withName: boolean): Parsed {
  const errors: VariableFormErrors = {};
  let name = values.name.trim();
  if (withName) {
    if (!name) errors.name = "Enter a name.";
    else
      try {
        name = checkVariableName(name);
      } catch (e) {
        errors.name = problem(e);
      }
  }
  let value: unknown = null;
  if (!values.value.trim()) errors.value = 'Enter a value as JSON (text in double quotes: "like this").';
  else
    try {
      value = JSON.parse(values.value);
      checkVariableValue(value);
    } catch (e) {
      errors.value =
        e instanceof SyntaxError ? `Not valid JSON: ${e.message}. Text needs double quotes: "like this".` : problem(e);
    }
  const tags = values.tags
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (tags.some((tag) => tag.length > 1_000)) errors.tags = "A tag is at most 1000 characters.";
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, name, value, tags };
}

const formOf = (v: VariableJson): VariableFormValues => ({
  name: v.name,
  value: JSON.stringify(v.value, null, 2),
  tags: v.tags.join(", "),
});

export function variablePages(deps: UiDeps) {
  const { stores, csrf } = deps;

  async function listProps(
    query: Record<string, string | undefined>,
    extra: Partial<Parameters<typeof VariablesPage>[0]>,
  ) {
    const page = pageNumber(query.page);
    const q = (query.q ?? "").trim().slice(0, 255);
    const list = await stores.variables.filter(q ? { variables: { name: { like_: q } } } : {}, {
      limit: PAGE_SIZE + 1,
      offset: (page - 1) * PAGE_SIZE,
      sort: "NAME_ASC",
    });
    return {
      variables: list.slice(0, PAGE_SIZE),
      q,
      page,
      hasNext: list.length > PAGE_SIZE,
      form: EMPTY,
      errors: {},
      csrfToken: csrf.token,
      ...extra,
    };
  }

  async function variableOf(raw: string): Promise<VariableJson> {
    const name = nameOf(raw);
    const v = await stores.variables.get({ name });
    if (!v) throw new AppError("not_found", `Variable "${name}" not found.`);
    return v;
  }

  return new Elysia({ name: "ui.variables" })
    .get("/variables", async ({ query }) =>
      html(<VariablesPage {...(await listProps(query, { notice: query.notice }))} />),
    )
    .post(
      "/variables",
      async ({ body, request }) => {
        csrf.check(request, body);
        const values = { name: text(body, "name"), value: text(body, "value"), tags: text(body, "tags") };
        const parsed = parseVariableForm(values, true);
        const refuse = async (errors: VariableFormErrors) =>
          html(<VariablesPage {...(await listProps({}, { form: values, errors }))} />, 422);
        if (!parsed.ok) return refuse(parsed.errors);
        try {
          await deps.variables.create({ name: parsed.name, value: parsed.value, tags: parsed.tags });
        } catch (e) {
          if (e instanceof AppError && e.kind === "conflict") return refuse({ name: e.message });
          throw e;
        }
        return back("/variables", `Variable "${parsed.name}" created.`);
      },
      { body: Form },
    )
    .get("/variables/:name", async ({ params, query }) => {
      const v = await variableOf(params.name);
      return html(
        <VariablePage variable={v} form={formOf(v)} errors={{}} notice={query.notice} csrfToken={csrf.token} />,
      );
    })
    .post(
      "/variables/:name",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const v = await variableOf(params.name);
        const values = { name: v.name, value: text(body, "value"), tags: text(body, "tags") };
        const parsed = parseVariableForm(values, false);
        if (!parsed.ok)
          return html(<VariablePage variable={v} form={values} errors={parsed.errors} csrfToken={csrf.token} />, 422);
        if (!(await deps.variables.update({ id: v.id }, { value: parsed.value, tags: parsed.tags })))
          throw new AppError("not_found", `Variable "${v.name}" not found.`);
        return back(variableHref(v.name), "Variable saved.");
      },
      { body: Form },
    )
    .post(
      "/variables/:name/delete",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const name = nameOf(params.name);
        if (!(await deps.variables.delete({ name }))) throw new AppError("not_found", `Variable "${name}" not found.`);
        return back("/variables", `Variable "${name}" deleted.`);
      },
      { body: Form },
    );
}
