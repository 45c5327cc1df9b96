// The form that creates or edits a variable: its name (on create), its value as JSON and its tags. A
// refused submission comes back with what was typed and each problem beside its field; app.js also
// checks the JSON as it is typed (data-json), so a mistake shows before anything is sent.
export interface VariableFormValues {
  name: string;
  value: string;
  tags: string;
}
export type VariableFormErrors = Partial<Record<keyof VariableFormValues | "form", string>>;

function FieldError({ id, error }: { id: string; error?: string }) {
  return error ? (
    <p id={id} class="field-error" role="alert" safe>
      {error}
    </p>
  ) : (
    ""
  );
}

export function VariableForm(p: {
  id: string;
  action: string;
  values: VariableFormValues;
  errors: VariableFormErrors;
  withName: boolean;
  submit: string;
  csrfToken: string;
}) {
  const fid = (f: string) => `${p.id}-${f}`;
  const described = (f: keyof VariableFormValues, hint?: boolean) =>
    [hint ? `${fid(f)}-hint` : "", `${fid(f)}-error`].filter(Boolean).join(" ");
  return (
    <form id={p.id} method="post" action={p.action} class="variable-form" novalidate>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      {p.errors.form ? (
        <p class="error" role="alert" safe>
          {p.errors.form}
        </p>
      ) : (
        ""
      )}
      {p.withName ? (
        <div class="field">
          <label for={fid("name")}>Name</label>
          <input
            id={fid("name")}
            name="name"
            type="text"
            value={p.values.name}
            maxlength="255"
            autocomplete="off"
            aria-invalid={p.errors.name ? "true" : undefined}
            aria-describedby={described("name", true)}
          />
          <span id={`${fid("name")}-hint`} class="small">
            Lowercase letters, digits, - and _.
          </span>
          <FieldError id={`${fid("name")}-error`} error={p.errors.name} />
        </div>
      ) : (
        ""
      )}
      <div class="field">
        <label for={fid("value")}>Value (JSON)</label>
        <textarea
          id={fid("value")}
          name="value"
          rows="5"
          spellcheck="false"
          data-json={`${fid("value")}-live`}
          aria-invalid={p.errors.value ? "true" : undefined}
          aria-describedby={`${described("value", true)} ${fid("value")}-live`}
          safe
        >
          {p.values.value}
        </textarea>
        <span id={`${fid("value")}-hint`} class="small">
          Any JSON: "text" in double quotes, 42, true, null, [1, 2] or {"{"}"key": "value"{"}"}.
        </span>
        <p id={`${fid("value")}-live`} class="field-error" aria-live="polite"></p>
        <FieldError id={`${fid("value")}-error`} error={p.errors.value} />
      </div>
      <div class="field">
        <label for={fid("tags")}>Tags</label>
        <input
          id={fid("tags")}
          name="tags"
          type="text"
          value={p.values.tags}
          autocomplete="off"
          aria-invalid={p.errors.tags ? "true" : undefined}
          aria-describedby={described("tags", true)}
        />
        <span id={`${fid("tags")}-hint`} class="small">
          Separated by commas.
        </span>
        <FieldError id={`${fid("tags")}-error`} error={p.errors.tags} />
      </div>
      <button type="submit" safe>
        {p.submit}
      </button>
    </form>
  );
}
