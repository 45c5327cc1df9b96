// A deployment's Run form, generated from its parameter_openapi_schema: one typed input per parameter
// (text, whole number, number, true/false, a choice for an enum, JSON for arrays, objects and the rest),
// the deployment's parameters or the schema's defaults filled in, required ones marked, and the errors of
// the last submission next to their fields. `paramFields` is pure, so the route parses what the form sends
// by the same field list the form was drawn from.
export type FieldKind = "string" | "integer" | "number" | "boolean" | "enum" | "json";

export interface ParamField {
  name: string;
  title: string;
  description: string | null;
  kind: FieldKind;
  required: boolean;
  /** For an enum: each choice as JSON (the value sent) and its label. */
  options: Array<[value: string, label: string]>;
  /** The text the input starts with. */
  value: string;
}

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** A property's own schema with a local $ref (pydantic's enums, models) and a lone allOf resolved. */
function resolved(prop: Schema, root: Schema, depth = 0): Schema {
  if (depth > 8) return prop;
  const ref = typeof prop.$ref === "string" ? prop.$ref : null;
  if (ref) {
    const m = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
    const defs = m ? root[m[1]] : null;
    const target = m && isObject(defs) ? defs[decodeURIComponent(m[2])] : null;
    if (isObject(target)) return resolved({ ...target, ...withoutKey(prop, "$ref") }, root, depth + 1);
  }
  if (Array.isArray(prop.allOf) && prop.allOf.length === 1 && isObject(prop.allOf[0]))
    return resolved({ ...prop.allOf[0], ...withoutKey(prop, "allOf") }, root, depth + 1);
  // Optional[X]: anyOf X or null.
  const branches = Array.isArray(prop.anyOf) ? prop.anyOf.filter((b) => isObject(b) && b.type !== "null") : [];
  if (branches.length === 1 && isObject(branches[0]))
    return resolved({ ...withoutKey(prop, "anyOf"), ...resolved(branches[0], root, depth + 1) }, root, depth + 1);
  return prop;
}

function withoutKey(o: Schema, key: string): Schema {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

function kindOf(s: Schema): FieldKind {
  if (Array.isArray(s.enum) && s.enum.length) return "enum";
  const type = Array.isArray(s.type) ? s.type.filter((t) => t !== "null") : [s.type];
  if (type.length !== 1) return "json";
  if (type[0] === "string" || type[0] === "integer" || type[0] === "number" || type[0] === "boolean") return type[0];
  return "json";
}

function textOf(kind: FieldKind, v: unknown): string {
  if (v === undefined || v === null) return "";
  if (kind === "enum") return JSON.stringify(v);
  if (kind === "string" && typeof v === "string") return v;
  if ((kind === "integer" || kind === "number") && typeof v === "number") return String(v);
  if (kind === "boolean" && typeof v === "boolean") return String(v);
  return JSON.stringify(v, null, 2);
}

/** The form's fields, in the schema's `position` order: values from `parameters`, else the defaults. */
export function paramFields(schema: Schema | null, parameters: Record<string, unknown>): ParamField[] {
  if (!schema || !isObject(schema.properties)) return [];
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const entries = Object.entries(schema.properties).filter((e): e is [string, Schema] => isObject(e[1]));
  const position = (p: Schema, i: number) => (typeof p.position === "number" ? p.position : 1e6 + i);
  return entries
    .map(([name, prop], i) => ({ name, prop, at: position(prop, i) }))
    .sort((a, b) => a.at - b.at)
    .map(({ name, prop }) => {
      const s = resolved(prop, schema);
      const kind = kindOf(s);
      const value = name in parameters ? parameters[name] : s.default;
      return {
        name,
        title: [prop.title, s.title].find((x): x is string => typeof x === "string" && x !== "") ?? name,
        description: typeof s.description === "string" ? s.description : null,
        kind,
        required: required.includes(name),
        options: kind === "enum" ? (s.enum as unknown[]).map((v) => [JSON.stringify(v), String(v)]) : [],
        value: textOf(kind, value),
      } satisfies ParamField;
    });
}

export interface RunFormProps {
  deploymentId: string;
  /** Another target than the deployment's Run (a paused run's Resume form), with its own words. */
  action?: string;
  submit?: string;
  noFields?: string;
  fields: ParamField[];
  /** What was sent last time, by field name (kept on a failed submission). */
  values?: Record<string, string>;
  /** Problems by field name; `""` holds the ones that belong to no field. */
  errors?: Record<string, string[]>;
  csrfToken: string;
}

const inputId = (i: number) => `param-${i}`;

function Input({ f, i, value, invalid }: { f: ParamField; i: number; value: string; invalid: boolean }) {
  const common = {
    id: inputId(i),
    name: `param:${f.name}`,
    "aria-required": f.required ? "true" : undefined,
    "aria-invalid": invalid ? "true" : undefined,
    "aria-describedby": invalid ? `${inputId(i)}-error` : undefined,
  };
  if (f.kind === "boolean" || f.kind === "enum") {
    const options: Array<[string, string]> =
      f.kind === "boolean"
        ? [
            ["true", "true"],
            ["false", "false"],
          ]
        : f.options;
    return (
      <select {...common}>
        <option value="" selected={value === ""}>
          —
        </option>
        {options.map(([v, label]) => (
          <option value={v} selected={v === value} safe>
            {label}
          </option>
        ))}
      </select>
    );
  }
  if (f.kind === "json")
    return (
      <textarea {...common} rows="4" spellcheck="false" placeholder="JSON" safe>
        {value}
      </textarea>
    );
  const mode = f.kind === "integer" ? "numeric" : f.kind === "number" ? "decimal" : undefined;
  return <input {...common} type="text" inputmode={mode} value={value} />;
}

const KIND_HINT: Record<FieldKind, string> = {
  string: "text",
  integer: "whole number",
  number: "number",
  boolean: "true or false",
  enum: "one of the choices",
  json: "JSON",
};

export function RunForm(p: RunFormProps) {
  const errors = p.errors ?? {};
  const general = errors[""] ?? [];
  const action = p.action ?? `/deployments/${p.deploymentId}/run`;
  return (
    <form
      id="run-form"
      method="post"
      action={action}
      hx-post={action}
      hx-target="this"
      hx-swap="outerHTML"
      class="run-form"
      novalidate
    >
      <input type="hidden" name="csrf" value={p.csrfToken} />
      {general.map((m) => (
        <p class="error" role="alert" safe>
          {m}
        </p>
      ))}
      {p.fields.length ? (
        ""
      ) : (
        <p class="muted" safe>
          {p.noFields ?? "This deployment takes no parameters; its run starts with its defaults."}
        </p>
      )}
      {p.fields.map((f, i) => {
        const own = errors[f.name] ?? [];
        const value = p.values?.[f.name] ?? f.value;
        return (
          <div class="field" style="display:flex;flex-direction:column;gap:.15rem;margin-bottom:.6rem">
            <label for={inputId(i)}>
              <span safe>{f.title}</span>
              {f.required ? (
                <span class="error-text" title="required">
                  {" "}
                  *<span class="sr-only"> (required)</span>
                </span>
              ) : (
                ""
              )}{" "}
              <span class="muted small" safe>{`(${KIND_HINT[f.kind]})`}</span>
            </label>
            <Input f={f} i={i} value={value} invalid={own.length > 0} />
            {f.description ? (
              <span class="muted small" safe>
                {f.description}
              </span>
            ) : (
              ""
            )}
            {own.length ? (
              <p id={`${inputId(i)}-error`} class="field-error" role="alert" safe>
                {own.join("; ")}
              </p>
            ) : (
              ""
            )}
          </div>
        );
      })}
      {p.fields.some((f) => f.required) ? (
        <p class="muted small">
          <span class="error-text">*</span> required
        </p>
      ) : (
        ""
      )}
      <button type="submit" safe>
        {p.submit ?? "Start run"}
      </button>
    </form>
  );
}
