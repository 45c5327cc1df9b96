// A detail page's Actions card, under the result of the last action, and its buttons: each a small POST
// form with the CSRF token that asks first (data-confirm, answered by app.js).
import type { PropsWithChildren } from "@kitajs/html";
import { Flash } from "./flash.tsx";

/** The last action's notice, then the card of the page's actions. */
export function ActionsCard(p: PropsWithChildren<{ notice?: string }>) {
  return (
    <>
      <Flash notice={p.notice} />
      <section class="card actions" aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        {p.children}
      </section>
    </>
  );
}

/** One button, `label`, that posts to `action` once the user has confirmed. */
export function PostButton(p: { action: string; confirm: string; label: string; danger?: boolean; csrfToken: string }) {
  return (
    <form method="post" action={p.action} class="inline" data-confirm={p.confirm}>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      <button type="submit" class={p.danger ? "danger" : undefined} safe>
        {p.label}
      </button>
    </form>
  );
}

/**
 * Pause (a danger) or resume what `href` names, by posting to `${href}/pause` or `${href}/resume`:
 * "Pause deployment", "Resume work pool", … with the question for each way.
 */
export function PauseButton(p: {
  href: string;
  paused: boolean;
  noun: string;
  confirm: { pause: string; resume: string };
  csrfToken: string;
}) {
  return (
    <PostButton
      action={`${p.href}/${p.paused ? "resume" : "pause"}`}
      confirm={p.paused ? p.confirm.resume : p.confirm.pause}
      label={`${p.paused ? "Resume" : "Pause"} ${p.noun}`}
      danger={!p.paused}
      csrfToken={p.csrfToken}
    />
  );
}
