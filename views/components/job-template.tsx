// A pool's base job template, readably: the variables a deployment or run may set (their type, default
// and description, required ones marked), then the job configuration those variables fill in, and the
// whole template as JSON for copying. Every value is text, whatever markup it holds.
import { Note } from "./note.tsx";
import { Table } from "./table.tsx";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A JSON Schema property's type in words: string, integer or null, one of "a", "b", Model, … */
export function typeOf(s: Json): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (typeof s.$ref === "string") return s.$ref.split("/").at(-1) ?? s.$ref;
  if (Array.isArray(s.type)) return s.type.join(" or ");
  if (typeof s.type === "string")
    return s.type === "array" && isObject(s.items) ? `array of ${typeOf(s.items)}` : s.type;
  for (const key of ["anyOf", "oneOf", "allOf"])
    if (Array.isArray(s[key])) return (s[key] as unknown[]).map((b) => (isObject(b) ? typeOf(b) : "any")).join(" or ");
  return "any";
}

interface Variable {
  name: string;
  title: string | null;
  type: string;
  default: string | null;
  description: string | null;
  required: boolean;
}

export function variablesOf(template: Json): Variable[] {
  const vars = isObject(template.variables) ? template.variables : {};
  const props = isObject(vars.properties) ? vars.properties : {};
  const required = Array.isArray(vars.required) ? vars.required.map(String) : [];
  return Object.entries(props).map(([name, raw]) => {
    const p = isObject(raw) ? raw : {};
    return {
      name,
      title: typeof p.title === "string" && p.title !== name ? p.title : null,
      type: typeOf(p),
      default: "default" in p ? JSON.stringify(p.default) : null,
      description: typeof p.description === "string" ? p.description : null,
      required: required.includes(name),
    };
  });
}

export function JobTemplate({ template }: { template: Json }) {
  if (!Object.keys(template).length)
    return <p class="muted">No base job template: this pool's workers start runs as they are.</p>;
  const variables = variablesOf(template);
  const config = isObject(template.job_configuration) ? template.job_configuration : {};
  return (
    <div class="job-template">
      <h3 class="small">Variables</h3>
      {variables.length ? (
        <Table class="variables" columns={["Variable", "Type", "Default", "Description"]}>
          {variables.map((v) => (
            <tr>
              <td>
                <code safe>{v.name}</code>
                {v.required ? <span class="error-text"> (required)</span> : ""}
                <Note text={v.title} />
              </td>
              <td class="small" safe>
                {v.type}
              </td>
              <td>{v.default === null ? <span class="muted">—</span> : <code safe>{v.default}</code>}</td>
              <td class="small" style="white-space:pre-wrap" safe>
                {v.description ?? ""}
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <p class="muted">No variables.</p>
      )}
      <h3 class="small">Job configuration</h3>
      <pre class="json job-configuration" safe>
        {JSON.stringify(config, null, 2)}
      </pre>
      <details>
        <summary class="small">The whole template (JSON)</summary>
        <pre class="json" safe>
          {JSON.stringify(template, null, 2)}
        </pre>
      </details>
    </div>
  );
}
