// The Run form's values → typed parameters, by the fields the form was drawn from (views' paramFields):
// whole numbers and numbers become numbers, true/false booleans, enum choices and JSON fields their JSON
// values. A value that does not read as its type is passed on as typed text, so the parameter schema
// (the same check as the API's) names the problem; an empty field is left out (the deployment's own
// value or the schema's default applies). Only JSON that does not parse is refused here.
import type { ParamField } from "../../views/components/run-form.tsx";
import { isFieldIssues, type AppError } from "../core/errors.ts";

export interface ParsedRunForm {
  parameters: Record<string, unknown>;
  /** What was sent, by field name, to fill the form again. */
  values: Record<string, string>;
  /** Problems by field name. */
  errors: Record<string, string[]>;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function typedValue(f: ParamField, text: string): { value: unknown } | { error: string } {
  switch (f.kind) {
    case "string":
      return { value: text };
    case "integer":
    case "number":
      return { value: NUMBER.test(text) ? Number(text) : text };
    case "boolean":
      return text === "true" || text === "false" ? { value: text === "true" } : { value: text };
    case "enum":
    case "json":
      try {
        return { value: JSON.parse(text) };
      } catch (e) {
        return { error: `is not valid JSON (${(e as Error).message})` };
      }
  }
}

export function parseRunForm(fields: ParamField[], body: Record<string, unknown>): ParsedRunForm {
  const out: ParsedRunForm = { parameters: {}, values: {}, errors: {} };
  for (const f of fields) {
    const sent = body[`param:${f.name}`];
    const text = typeof sent === "string" ? sent : Array.isArray(sent) ? String(sent.at(-1) ?? "") : "";
    out.values[f.name] = text;
    if (text.trim() === "" && f.kind !== "string") continue;
    if (text === "") continue;
    const v = typedValue(f, text);
    if ("error" in v) out.errors[f.name] = [v.error];
    else out.parameters[f.name] = v.value;
  }
  return out;
}

/**
 * The refusal of createFlowRun (AppError "invalid" with fields at ["parameters", name, …]) as messages by
 * field name; a problem with no field, or with a parameter the form has no field for, goes under "".
 */
export function issuesByField(e: AppError, fields: ParamField[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const known = new Set(fields.map((f) => f.name));
  const add = (key: string, msg: string) => {
    out[key] = [...(out[key] ?? []), msg];
  };
  if (!isFieldIssues(e.detail)) {
    add("", e.message);
    return out;
  }
  for (const issue of e.detail.fields) {
    const path = issue.path[0] === "parameters" ? issue.path.slice(1).map(String) : issue.path.map(String);
    const [name, ...rest] = path;
    if (name !== undefined && known.has(name)) add(name, rest.length ? `${rest.join(".")}: ${issue.msg}` : issue.msg);
    else add("", path.length ? `${path.join(".")}: ${issue.msg}` : issue.msg);
  }
  return out;
}
