import { accept, ALL_FROM, ALL_STATES, reject, type Rule } from "../context.ts";

/**
 * Clients send a fresh transition_id with every proposal and resend it when a response is lost; a repeat
 * of the id that produced the current state gets that state back instead of a second transition.
 */
export const PreventDuplicateTransitions: Rule = {
  name: "PreventDuplicateTransitions",
  from: ALL_FROM,
  to: ALL_STATES,
  before({ initial, proposed }) {
    const current = initial?.state_details?.transition_id ?? null;
    const incoming = proposed.state_details.transition_id ?? null;
    if (current !== null && incoming !== null && current === incoming) {
      return reject(null, "This run has already made this state transition.");
    }
    return accept();
  },
};
