import { accept, states, wait, type Rule } from "../context.ts";
import { diffMicroseconds } from "../../core/time.ts";

/** A PENDING state keeps the time the run was scheduled for unless the proposal names its own. */
export const CopyScheduledTime: Rule = {
  name: "CopyScheduledTime",
  from: states("SCHEDULED"),
  to: states("PENDING"),
  before({ initial, proposed }) {
    if (!initial || proposed.state_details.scheduled_time) return accept();
    return accept({
      ...proposed,
      state_details: { ...proposed.state_details, scheduled_time: initial.state_details.scheduled_time ?? null },
    });
  },
};

/**
 * The server's clock decides when a scheduled run may start; a client that is early is told how long
 * to sleep. The delay is an integer: Prefect floors the seconds and adds Python's round() of the
 * fraction, so a fraction above one half rounds up and exactly one half rounds down (to even, 0).
 */
export const WaitForScheduledTime: Rule = {
  name: "WaitForScheduledTime",
  from: states("SCHEDULED", "PENDING"),
  to: states("RUNNING"),
  before({ initial, now }) {
    const scheduled = initial?.state_details.scheduled_time;
    if (!scheduled) return accept();
    const delaySeconds = roundedDelaySeconds(diffMicroseconds(scheduled, now));
    if (delaySeconds > 0) return wait(delaySeconds, "Scheduled time is in the future");
    return accept();
  },
};

export function roundedDelaySeconds(deltaMicroseconds: number): number {
  const whole = Math.floor(deltaMicroseconds / 1_000_000);
  const fraction = deltaMicroseconds - whole * 1_000_000;
  return whole + (fraction > 500_000 ? 1 : 0);
}

/** Background tasks look their parameters up by id; the id travels from state to state. */
export const CopyTaskParametersID: Rule = {
  name: "CopyTaskParametersID",
  from: states("SCHEDULED", "PENDING"),
  to: states("PENDING", "RUNNING"),
  before({ initial, proposed }) {
    if (!initial || proposed.state_details.task_parameters_id) return accept();
    return accept({
      ...proposed,
      state_details: {
        ...proposed.state_details,
        task_parameters_id: initial.state_details.task_parameters_id ?? null,
      },
    });
  },
};
