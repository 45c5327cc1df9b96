import { abort, accept, states, type Rule } from "../context.ts";

/**
 * Workers propose PENDING before they start infrastructure. Refusing PENDING from PENDING, RUNNING and
 * CANCELLING is what keeps two workers from both submitting a run; CANCELLED runs must be rescheduled
 * (deployed) or go straight to RUNNING (ad hoc). Named pending sub-states (Submitting,
 * InfrastructurePending) may follow each other, keeping what earlier rules put on the first PENDING.
 */
export const PreventPendingTransitions: Rule = {
  name: "PreventPendingTransitions",
  from: states("PENDING", "CANCELLING", "RUNNING", "CANCELLED"),
  to: states("PENDING"),
  before({ initial, proposed }) {
    if (!initial) return accept();
    if (initial.type === "PENDING" && initial.name !== proposed.name && proposed.name !== "Pending") {
      return accept({
        ...proposed,
        state_details: {
          ...proposed.state_details,
          scheduled_time: initial.state_details.scheduled_time ?? null,
          deployment_concurrency_lease_id: initial.state_details.deployment_concurrency_lease_id ?? null,
        },
      });
    }
    return abort(`This run is in a ${initial.type} state and cannot transition to a PENDING state.`);
  },
};
