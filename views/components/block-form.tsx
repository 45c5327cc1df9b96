// A block document's form, field by field as src/ui/block-fields.ts derives them from the block's
// schema: typed inputs, nested blocks as pickers of saved documents, secrets as password inputs that are
// always empty (the stored value never reaches the page; left empty on edit, it is kept).
export type BlockField = {
  key: string;
  label: string;
  description: string | null;
  required: boolean;
  error?: string;
  value: string;
} & (
  | { kind: "text"; format?: unknown }
  | { kind: "integer" | "number" | "boolean" | "json" }
  | { kind: "secret"; json: boolean }
  | { kind: "select"; options: Array<{ id: string; name: string }> }
  | { kind: "block"; blockSlug: string; options: Array<{ id: string; name: string }> }
);

function Input({ f, id, editing }: { f: BlockField; id: string; editing: boolean }) {
  const name = `f.${f.key}`;
  const common = {
    id,
    name,
    "aria-invalid": f.error ? "true" : undefined,
    "aria-describedby":
      [f.description ? `${id}-hint` : "", f.error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined,
  };
  switch (f.kind) {
    case "secret":
      return (
        <input
          {...common}
          type="password"
          autocomplete="new-password"
          value=""
          placeholder={editing ? "Stored: leave empty to keep it" : f.json ? "JSON" : ""}
        />
      );
    case "boolean":
      return <input {...common} type="checkbox" checked={f.value === "on"} />;
    case "integer":
    case "number":
      return <input {...common} type="text" inputmode={f.kind === "integer" ? "numeric" : "decimal"} value={f.value} />;
    case "select":
      return (
        <select {...common}>
          {f.required ? "" : <option value="">—</option>}
          {f.options.map((o) => (
            <option value={o.id} selected={o.id === f.value} safe>
              {o.name}
            </option>
          ))}
        </select>
      );
    case "block":
      return (
        <select {...common}>
          <option value="" safe>{`— choose a saved ${f.blockSlug} block —`}</option>
          {f.options.map((o) => (
            <option value={o.id} selected={o.id === f.value} safe>
              {o.name}
            </option>
          ))}
        </select>
      );
    case "json":
      return (
        <textarea {...common} rows="4" spellcheck="false" safe>
          {f.value}
        </textarea>
      );
    default:
      return <input {...common} type="text" value={f.value} />;
  }
}

export function BlockForm(p: {
  action: string;
  fields: BlockField[];
  name?: { value: string; error?: string };
  error?: string;
  submit: string;
  editing: boolean;
  csrfToken: string;
}) {
  return (
    <form method="post" action={p.action} class="state-form block-form" novalidate>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      {p.error ? (
        <p class="error" role="alert" safe>
          {p.error}
        </p>
      ) : (
        ""
      )}
      {p.name ? (
        <div class="field">
          <label for="block-name">Block name</label>
          <input
            id="block-name"
            name="name"
            type="text"
            value={p.name.value}
            aria-invalid={p.name.error ? "true" : undefined}
            aria-describedby={p.name.error ? "block-name-error" : undefined}
          />
          {p.name.error ? (
            <p id="block-name-error" class="field-error" role="alert" safe>
              {p.name.error}
            </p>
          ) : (
            ""
          )}
        </div>
      ) : (
        ""
      )}
      {p.fields.map((f) => {
        const id = `field-${f.key}`;
        return (
          <div class="field">
            <label for={id} safe>
              {`${f.label}${f.required ? " *" : ""}`}
            </label>
            <Input f={f} id={id} editing={p.editing} />
            {f.description ? (
              <span id={`${id}-hint`} class="small" safe>
                {f.description}
              </span>
            ) : (
              ""
            )}
            {f.error ? (
              <p id={`${id}-error`} class="field-error" role="alert" safe>
                {f.error}
              </p>
            ) : (
              ""
            )}
          </div>
        );
      })}
      <button type="submit" safe>
        {p.submit}
      </button>
    </form>
  );
}
