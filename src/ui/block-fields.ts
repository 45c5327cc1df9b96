// The block form, generated from a block schema's fields (pure, no I/O): each top-level property becomes
// a typed input (text, number, checkbox, choice, JSON), a nested block a picker of saved documents of
// its type, a secret a password input that never carries the stored value. Parsing turns the posted
// form back into block data: a secret left empty on edit is sent as ******** (the store keeps the
// stored value), a nested block as a {"$ref"} to the picked document; the result is validated against
// the schema with its nested blocks taken out, so a form with any bad field writes nothing.
import type { BlockField } from "../../views/components/block-form.tsx";
import { OBFUSCATED } from "../schemas/blocks.ts";
import { parameterIssues } from "../schemas/parameters.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The saved documents a nested block's picker offers, by block type slug. */
export type Choices = Map<string, Array<{ id: string; name: string }>>;

/** Property → the block type slug it nests (from block_schema_references; the first of a union). */
export function nestedSlugs(fields: Json): Map<string, string> {
  const refs = isObject(fields.block_schema_references) ? fields.block_schema_references : {};
  const out = new Map<string, string>();
  for (const [key, v] of Object.entries(refs)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (isObject(first) && typeof first.block_type_slug === "string") out.set(key, first.block_type_slug);
  }
  return out;
}

/** The first JSON type a property allows besides null (through anyOf/allOf). */
function typeOf(prop: Json): string | null {
  if (typeof prop.type === "string" && prop.type !== "null") return prop.type;
  if (Array.isArray(prop.type)) return (prop.type.find((x) => x !== "null") as string) ?? null;
  for (const key of ["anyOf", "allOf", "oneOf"])
    if (Array.isArray(prop[key]))
      for (const alt of prop[key] as unknown[]) if (isObject(alt) && typeOf(alt)) return typeOf(alt);
  return null;
}

function isSecret(key: string, prop: Json, fields: Json): boolean {
  const listed = Array.isArray(fields.secret_fields) ? (fields.secret_fields as string[]) : [];
  if (listed.some((s) => s === key || s.startsWith(`${key}.`))) return true;
  return prop.format === "password" || prop.writeOnly === true;
}

const propsOf = (fields: Json): Array<[string, Json]> => {
  const props = isObject(fields.properties) ? fields.properties : {};
  return Object.entries(props)
    .filter((e): e is [string, Json] => isObject(e[1]))
    .sort((a, b) => Number(a[1].position ?? 1e9) - Number(b[1].position ?? 1e9));
};

const display = (v: unknown, type: string | null): string => {
  if (v === undefined || v === null) return "";
  if (typeof v === "string" && type !== "object" && type !== "array") return v;
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean"
    ? String(v)
    : JSON.stringify(v, null, 2);
};

/**
 * The form's fields for `fields`, filled from `data` (a stored document's masked data, or what was
 * posted) — except secrets, which are always empty. `refs` names the documents a nested block points at.
 */
export function blockFields(
  fields: Json,
  data: Json,
  choices: Choices,
  refs: Record<string, string> = {},
  errors: Record<string, string> = {},
): BlockField[] {
  const required = new Set(Array.isArray(fields.required) ? (fields.required as string[]) : []);
  const nested = nestedSlugs(fields);
  return propsOf(fields).map(([key, prop]) => {
    const type = typeOf(prop);
    const base = {
      key,
      label: typeof prop.title === "string" ? prop.title : key,
      description: typeof prop.description === "string" ? prop.description : null,
      required: required.has(key),
      error: errors[key],
    };
    const slug = nested.get(key);
    if (slug)
      return { ...base, kind: "block", value: refs[key] ?? "", blockSlug: slug, options: choices.get(slug) ?? [] };
    if (isSecret(key, prop, fields)) return { ...base, kind: "secret", value: "", json: type === "object" };
    const enumValues = Array.isArray(prop.enum) ? prop.enum : null;
    if (enumValues)
      return {
        ...base,
        kind: "select",
        value: display(data[key] ?? prop.default, type),
        options: enumValues.map((v) => ({ id: String(v), name: String(v) })),
      };
    if (type === "boolean") return { ...base, kind: "boolean", value: (data[key] ?? prop.default) ? "on" : "" };
    if (type === "integer" || type === "number")
      return { ...base, kind: type, value: display(data[key] ?? prop.default, type) };
    if (type === "string")
      return { ...base, kind: "text", value: display(data[key] ?? prop.default, type), format: prop.format };
    return { ...base, kind: "json", value: display(data[key] ?? prop.default, "object") };
  }) as BlockField[];
}

/**
 * The posted form as block data, or the problems by field. `editing`: an empty secret keeps the stored
 * one. Only what the schema declares is read; everything else posted is ignored.
 */
export function parseBlockForm(
  fields: Json,
  form: Json,
  editing: boolean,
): { data: Json; errors: Record<string, string>; posted: Json; refs: Record<string, string> } {
  const data: Json = {};
  const posted: Json = {};
  const refs: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const required = new Set(Array.isArray(fields.required) ? (fields.required as string[]) : []);
  const nested = nestedSlugs(fields);
  const kept = new Set<string>();
  for (const [key, prop] of propsOf(fields)) {
    const raw = form[`f.${key}`];
    const text = typeof raw === "string" ? raw : "";
    const type = typeOf(prop);
    const need = () => {
      if (required.has(key)) errors[key] = "Required.";
    };
    if (nested.has(key)) {
      refs[key] = text;
      if (text) data[key] = { $ref: { block_document_id: text } };
      else need();
      continue;
    }
    if (isSecret(key, prop, fields)) {
      if (!text) {
        if (editing) {
          data[key] = OBFUSCATED;
          kept.add(key);
        } else need();
        continue;
      }
      if (type === "object") {
        try {
          data[key] = JSON.parse(text);
        } catch {
          errors[key] = "Enter valid JSON.";
        }
      } else data[key] = text;
      continue;
    }
    posted[key] = text;
    if (type === "boolean") {
      data[key] = text === "on" || text === "true";
      posted[key] = data[key];
      continue;
    }
    if (text.trim() === "") {
      need();
      continue;
    }
    if (type === "integer") {
      if (/^-?\d+$/.test(text.trim())) data[key] = Number(text.trim());
      else errors[key] = "Enter a whole number.";
    } else if (type === "number") {
      const n = Number(text.trim());
      if (Number.isFinite(n)) data[key] = n;
      else errors[key] = "Enter a number.";
    } else if (type === "string" || Array.isArray(prop.enum)) data[key] = text;
    else {
      try {
        data[key] = JSON.parse(text);
      } catch (e) {
        errors[key] = `Enter valid JSON: ${(e as Error).message}`;
      }
    }
  }
  if (!Object.keys(errors).length) {
    for (const issue of parameterIssues(
      withoutKeys(data, [...nested.keys(), ...kept]),
      schemaFor(fields, nested, kept),
    )) {
      const key = String(issue.path[0] ?? "");
      if (key && !errors[key]) errors[key] = issue.message;
      else if (!key) errors._ = issue.message;
    }
  }
  return { data, errors, posted, refs };
}

const withoutKeys = (data: Json, keys: string[]) =>
  Object.fromEntries(Object.entries(data).filter(([k]) => !keys.includes(k)));

/** The schema to validate the form's own values against: nested blocks and kept secrets left out. */
function schemaFor(fields: Json, nested: Map<string, string>, kept: Set<string>): Json {
  const skip = new Set([...nested.keys(), ...kept]);
  const props = Object.fromEntries(
    Object.entries(isObject(fields.properties) ? fields.properties : {}).filter(([k]) => !skip.has(k)),
  );
  const required = (Array.isArray(fields.required) ? (fields.required as string[]) : []).filter((k) => !skip.has(k));
  const { block_schema_references: _r, secret_fields: _s, block_type_slug: _b, ...rest } = fields;
  return { ...rest, properties: props, required };
}
