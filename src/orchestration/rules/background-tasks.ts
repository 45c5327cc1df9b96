import { accept, ALL_FROM, states, type Rule } from "../context.ts";

/**
 * Deferred (background) task runs are handed to task workers when they become SCHEDULED; the store
 * pushes them onto the in-memory queue served by /task_runs/subscriptions/scheduled.
 */
export const EnqueueScheduledTasks: Rule = {
  name: "EnqueueScheduledTasks",
  from: ALL_FROM,
  to: states("SCHEDULED"),
  before: () => accept(),
  after({ validated }) {
    if (!validated?.state_details.deferred) return {};
    return { effects: [{ kind: "enqueue_background_task", retry: validated.name === "AwaitingRetry" }] };
  },
};
