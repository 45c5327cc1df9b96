// An automation's enabled switch: htmx PATCHes /automations/<id> and swaps in the switch the server
// answers; without a script the same form posts to /automations/<id>/enabled and the page reloads.
export function AutomationToggle(p: { id: string; name: string; enabled: boolean; csrfToken: string }) {
  const href = `/automations/${p.id}`;
  return (
    <form
      method="post"
      action={`${href}/enabled`}
      hx-patch={href}
      hx-target="this"
      hx-swap="outerHTML"
      class="inline toggle"
      data-automation-toggle={p.id}
    >
      <input type="hidden" name="csrf" value={p.csrfToken} />
      <input type="hidden" name="enabled" value={p.enabled ? "false" : "true"} />
      <button
        type="submit"
        role="switch"
        aria-checked={p.enabled ? "true" : "false"}
        aria-label={`Enabled: ${p.name}`}
        title={p.enabled ? "Enabled: click to disable" : "Disabled: click to enable"}
      >
        {p.enabled ? "On" : "Off"}
      </button>
    </form>
  );
}
