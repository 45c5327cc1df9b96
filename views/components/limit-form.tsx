// A small form of whole-number settings (a pool's concurrency limit; a queue's priority and limit) that
// asks before it posts, and after a refused submission keeps what was typed and shows each problem next
// to its field. The server checks the numbers (novalidate), so the messages are the same with or without
// JavaScript.
export interface NumberField {
  name: string;
  label: string;
  /** What the input holds: the current value, or what was sent last time. */
  value: string;
  hint?: string;
  error?: string;
}

export interface LimitFormProps {
  id: string;
  action: string;
  fields: NumberField[];
  confirm: string;
  submit: string;
  /** A problem that belongs to no one field. */
  error?: string;
  csrfToken: string;
}

export function LimitForm(p: LimitFormProps) {
  return (
    <form id={p.id} method="post" action={p.action} class="state-form limit-form" data-confirm={p.confirm} novalidate>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      {p.error ? (
        <p class="error" role="alert" safe>
          {p.error}
        </p>
      ) : (
        ""
      )}
      {p.fields.map((f) => {
        const id = `${p.id}-${f.name}`;
        const described = [f.hint ? `${id}-hint` : "", f.error ? `${id}-error` : ""].filter(Boolean).join(" ");
        return (
          <div class="field">
            <label for={id} safe>
              {f.label}
            </label>
            <input
              id={id}
              name={f.name}
              type="text"
              inputmode="numeric"
              value={f.value}
              size="10"
              aria-invalid={f.error ? "true" : undefined}
              aria-describedby={described || undefined}
            />
            {f.hint ? (
              <span id={`${id}-hint`} class="small" safe>
                {f.hint}
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
