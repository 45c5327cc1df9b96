import { accept, ALL_FROM, reject, states, type Rule } from "../context.ts";

/** The late-runs service marks only runs that are still waiting, and only once. */
export const EnsureOnlyScheduledFlowsMarkedLate: Rule = {
  name: "EnsureOnlyScheduledFlowsMarkedLate",
  from: ALL_FROM,
  to: states("SCHEDULED"),
  before({ initial, proposed }) {
    if (!initial || proposed.name !== "Late") return accept();
    if (initial.type !== "SCHEDULED") return reject(null, "Only scheduled flows can be marked late.");
    if (initial.name === "Late") return reject(null, "This flow run is already marked late.");
    return accept();
  },
};
