// The form that creates or edits an automation as JSON, in the API's shape (name, trigger, actions, …).
// A refused submission comes back with what was typed and every problem the API's checks found, by its
// path inside the JSON, right under the field; app.js also says as it is typed whether it parses.
export function AutomationForm(p: {
  id: string;
  action: string;
  json: string;
  errors: string[];
  submit: string;
  csrfToken: string;
}) {
  const field = `${p.id}-json`;
  return (
    <form id={p.id} method="post" action={p.action} class="automation-form" novalidate>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      <div class="field">
        <label for={field}>Automation (JSON)</label>
        <textarea
          id={field}
          name="json"
          rows="22"
          spellcheck="false"
          class="code"
          data-json={`${field}-live`}
          aria-invalid={p.errors.length ? "true" : undefined}
          aria-describedby={`${field}-hint ${field}-live ${field}-error`}
          safe
        >
          {p.json}
        </textarea>
        <span id={`${field}-hint`} class="small">
          As the API takes it: name, description, enabled, tags, trigger, actions, actions_on_trigger and
          actions_on_resolve.
        </span>
        <p id={`${field}-live`} class="field-error" aria-live="polite"></p>
        {p.errors.length ? (
          <ul id={`${field}-error`} class="field-error" role="alert">
            {p.errors.map((e) => (
              <li safe>{e}</li>
            ))}
          </ul>
        ) : (
          ""
        )}
      </div>
      <button type="submit" safe>
        {p.submit}
      </button>
    </form>
  );
}
