import { describe, expect, test } from "bun:test";
import { FLOW_RUN_ID, PERSISTED, state, TaskSim, taskRun, taskTransition } from "./helpers.ts";

const flowIn = (type: Parameters<typeof state>[0], run_count = 1, details = {}) => ({
  id: FLOW_RUN_ID,
  run_count,
  state: state(type, { state_details: details }),
});

describe("HandleTaskTerminalStateTransitions", () => {
  test.each(["CANCELLING", "PAUSED", "CRASHED"] as const)("terminal -> %s aborts", (type) => {
    const r = taskTransition(state("FAILED"), { type });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({ type: "abort_details", reason: "Run is already FAILED." });
  });

  test("a persisted COMPLETED task never leaves, not even for another final state", () => {
    const current = state("COMPLETED", { data: PERSISTED });
    for (const type of ["RUNNING", "FAILED", "COMPLETED"] as const) {
      const r = taskTransition(current, { type });
      expect(r.status).toBe("REJECT");
      expect(r.details).toEqual({ type: "reject_details", reason: "This run is already completed." });
      expect(r.responseState).toBe(current);
    }
  });

  test("re-running resets run_count so retries start over", () => {
    const r = taskTransition(state("FAILED"), { type: "PENDING" }, { run: { run_count: 3 } });
    expect(r.status).toBe("ACCEPT");
    expect(r.runUpdates.run_count).toBe(0);
  });

  test("RUNNING after a flow retry is named Retrying and counts from 1", () => {
    const r = taskTransition(
      state("FAILED"),
      { type: "RUNNING" },
      {
        run: { run_count: 2, flow_run_run_count: 1 },
        flowRun: flowIn("RUNNING", 2),
      },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.name).toBe("Retrying");
    expect(r.runUpdates.run_count).toBe(1);
    expect(r.runUpdates.flow_run_run_count).toBe(2);
  });

  test("the run_count reset is undone when a later rule aborts", () => {
    const r = taskTransition(
      state("FAILED"),
      { type: "RUNNING" },
      { run: { run_count: 2 }, flowRun: flowIn("CANCELLED") },
    );
    expect(r.status).toBe("ABORT");
    expect(r.runUpdates).toEqual({});
  });
});

describe("PreventRunningTasksFromStoppedFlows", () => {
  test.each(["COMPLETED", "CANCELLING", "SCHEDULED", "PENDING"] as const)("flow %s -> abort", (type) => {
    const r = taskTransition(state("PENDING"), { type: "RUNNING" }, { flowRun: flowIn(type) });
    expect(r.status).toBe("ABORT");
    expect(r.details).toEqual({
      type: "abort_details",
      reason: "The enclosing flow must be running to begin task execution.",
    });
  });

  test("a flow with no state -> abort", () => {
    const r = taskTransition(
      state("PENDING"),
      { type: "RUNNING" },
      { flowRun: { id: FLOW_RUN_ID, run_count: 0, state: null } },
    );
    expect(r.status).toBe("ABORT");
  });

  test("a paused flow -> Paused/NotReady with the flow's pause details", () => {
    const r = taskTransition(
      state("PENDING"),
      { type: "RUNNING" },
      {
        flowRun: flowIn("PAUSED", 1, { pause_timeout: "2026-08-21T13:00:00.000000Z", pause_reschedule: true }),
      },
    );
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: `The flow is paused, new tasks can execute after resuming flow run: ${FLOW_RUN_ID}.`,
    });
    expect(r.stateToWrite?.type).toBe("PAUSED");
    expect(r.stateToWrite?.name).toBe("NotReady");
    expect(r.stateToWrite?.state_details.pause_timeout).toBe("2026-08-21T13:00:00.000000Z");
    expect(r.stateToWrite?.state_details.pause_reschedule).toBe(true);
  });

  test("no enclosing flow run -> allowed", () => {
    const r = taskTransition(state("PENDING"), { type: "RUNNING" }, { run: { flow_run_id: null }, flowRun: null });
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.state_details.flow_run_id).toBeNull();
  });
});

describe("RenameReruns and UpdateFlowRunTrackerOnTasks", () => {
  test("AwaitingRetry -> RUNNING is Retrying; other re-runs are Rerunning", () => {
    const awaiting = state("SCHEDULED", {
      name: "AwaitingRetry",
      state_details: { scheduled_time: "2026-08-21T11:00:00Z" },
    });
    expect(taskTransition(awaiting, { type: "RUNNING" }, { run: { run_count: 1 } }).stateToWrite?.name).toBe(
      "Retrying",
    );
    expect(taskTransition(state("PENDING"), { type: "RUNNING" }, { run: { run_count: 1 } }).stateToWrite?.name).toBe(
      "Rerunning",
    );
    expect(taskTransition(state("PENDING"), { type: "RUNNING" }).stateToWrite?.name).toBe("Running");
  });

  test("the task records which flow attempt it ran in", () => {
    const r = taskTransition(state("PENDING"), { type: "RUNNING" }, { flowRun: flowIn("RUNNING", 3) });
    expect(r.runUpdates.flow_run_run_count).toBe(3);
    expect(r.runUpdates.run_count).toBe(1);
  });
});

describe("task run lifecycle", () => {
  test("retries: Running, AwaitingRetry, Retrying, Completed", () => {
    const sim = new TaskSim(taskRun({ empirical_policy: { retries: 1, retry_delay: 2 } }));
    expect(sim.propose({ type: "PENDING" }).status).toBe("ACCEPT");
    expect(sim.advance(1).propose({ type: "RUNNING" }).stateToWrite?.name).toBe("Running");
    expect(sim.advance(1).propose({ type: "FAILED" }).stateToWrite?.name).toBe("AwaitingRetry");
    expect(sim.propose({ type: "RUNNING" }).status).toBe("WAIT");
    const retrying = sim.advance(2).propose({ type: "RUNNING" });
    expect(retrying.stateToWrite?.name).toBe("Retrying");
    expect(sim.run.run_count).toBe(2);
    expect(sim.advance(1).propose({ type: "FAILED" }).stateToWrite?.name).toBe("Failed");
    expect(sim.run.total_run_time).toBe(2);
    expect(sim.run.end_time).toBe(sim.now);
  });
});

describe("background tasks and concurrency effects", () => {
  test("a deferred SCHEDULED state is enqueued; AwaitingRetry is a retry", () => {
    const first = taskTransition(null, { type: "SCHEDULED", state_details: { deferred: true } });
    expect(first.policy).toBe("BackgroundTaskPolicy");
    expect(first.effects).toContainEqual({ kind: "enqueue_background_task", retry: false });
    const retry = taskTransition(
      state("RUNNING"),
      { type: "FAILED", state_details: { deferred: true } },
      {
        run: { run_count: 1, empirical_policy: { retries: 1 } },
      },
    );
    expect(retry.stateToWrite?.name).toBe("AwaitingRetry");
    // The replacement state is not deferred itself, so it is not re-enqueued by this request.
    expect(retry.effects.filter((e) => e.kind === "enqueue_background_task")).toEqual([]);
  });

  test("leaving RUNNING with tags asks the store to release tag slots", () => {
    const r = taskTransition(state("RUNNING"), { type: "COMPLETED" }, { run: { tags: ["db"] } });
    expect(r.effects).toContainEqual({ kind: "release_task_concurrency_slots" });
    expect(taskTransition(state("RUNNING"), { type: "COMPLETED" }).effects).toEqual([]);
    expect(taskTransition(state("PENDING"), { type: "RUNNING" }, { run: { tags: ["db"] } }).effects).toEqual([]);
  });

  test("a deferred proposal uses BackgroundTaskPolicy even with force=true", () => {
    const r = taskTransition(state("PENDING"), { type: "PENDING", state_details: { deferred: true } }, { force: true });
    expect(r.policy).toBe("BackgroundTaskPolicy");
    expect(r.status).toBe("ABORT");
  });

  test("force=true uses MinimalTaskPolicy: no rules, still bookkeeping", () => {
    const r = taskTransition(
      state("COMPLETED", { data: PERSISTED }),
      { type: "RUNNING" },
      { force: true, run: { tags: ["x"] } },
    );
    expect(r.policy).toBe("MinimalTaskPolicy");
    expect(r.status).toBe("ACCEPT");
    expect(r.runUpdates.run_count).toBe(1);
    expect(r.runUpdates.end_time).toBeUndefined();
    expect(r.emitEvent).toBe(false);
  });
});
