import { describe, expect, test } from "bun:test";
import { roundedDelaySeconds } from "../../../src/orchestration/rules/scheduled-time.ts";
import { addSeconds } from "../../../src/core/time.ts";
import { flowTransition, state, T0, taskTransition } from "./helpers.ts";

const scheduledAt = (offsetSeconds: number, name = "Scheduled") =>
  state("SCHEDULED", { name, state_details: { scheduled_time: addSeconds(T0, offsetSeconds) } });

describe("CopyScheduledTime", () => {
  test("PENDING inherits the scheduled time", () => {
    const r = flowTransition(scheduledAt(30), { type: "PENDING" });
    expect(r.stateToWrite?.state_details.scheduled_time).toBe(addSeconds(T0, 30));
  });

  test("a proposed scheduled time wins", () => {
    const r = flowTransition(scheduledAt(30), {
      type: "PENDING",
      state_details: { scheduled_time: "2026-08-21T13:00:00+01:00" },
    });
    expect(r.stateToWrite?.state_details.scheduled_time).toBe("2026-08-21T12:00:00.000000Z");
  });

  test("only from SCHEDULED", () => {
    const r = flowTransition(state("FAILED", { state_details: { scheduled_time: T0 } }), { type: "PENDING" });
    expect(r.stateToWrite?.state_details.scheduled_time).toBeNull();
  });
});

describe("WaitForScheduledTime", () => {
  test("too early -> WAIT with whole seconds, nothing written", () => {
    const current = scheduledAt(30);
    const r = flowTransition(current, { type: "RUNNING" }, { now: T0 });
    expect(r.status).toBe("WAIT");
    expect(r.details).toEqual({ type: "wait_details", delay_seconds: 30, reason: "Scheduled time is in the future" });
    expect(r.stateToWrite).toBeNull();
    expect(r.responseState).toBe(current);
    expect(r.runUpdates).toEqual({});
    expect(r.emitEvent).toBe(false);
  });

  test("the delay rounds the fraction like Prefect (floor + Python round)", () => {
    expect(flowTransition(scheduledAt(2.6), { type: "RUNNING" }, { now: T0 }).details).toMatchObject({
      delay_seconds: 3,
    });
    expect(flowTransition(scheduledAt(2.4), { type: "RUNNING" }, { now: T0 }).details).toMatchObject({
      delay_seconds: 2,
    });
    expect(flowTransition(scheduledAt(2.5), { type: "RUNNING" }, { now: T0 }).details).toMatchObject({
      delay_seconds: 2,
    });
  });

  test("less than half a second early runs now", () => {
    expect(flowTransition(scheduledAt(0.4), { type: "RUNNING" }, { now: T0 }).status).toBe("ACCEPT");
    expect(flowTransition(scheduledAt(0.6), { type: "RUNNING" }, { now: T0 }).details).toMatchObject({
      delay_seconds: 1,
    });
  });

  test("due or past -> ACCEPT", () => {
    expect(flowTransition(scheduledAt(0), { type: "RUNNING" }, { now: T0 }).status).toBe("ACCEPT");
    expect(flowTransition(scheduledAt(-100), { type: "RUNNING" }, { now: T0 }).status).toBe("ACCEPT");
  });

  test("also from PENDING (the copied scheduled time)", () => {
    const pending = state("PENDING", { state_details: { scheduled_time: addSeconds(T0, 10) } });
    expect(flowTransition(pending, { type: "RUNNING" }, { now: T0 }).details).toMatchObject({ delay_seconds: 10 });
    expect(flowTransition(state("PENDING"), { type: "RUNNING" }, { now: T0 }).status).toBe("ACCEPT");
  });

  test("applies to task runs too", () => {
    const r = taskTransition(scheduledAt(5, "AwaitingRetry"), { type: "RUNNING" }, { now: T0 });
    expect(r.status).toBe("WAIT");
    expect(r.details).toMatchObject({ delay_seconds: 5 });
  });

  test("roundedDelaySeconds", () => {
    expect(roundedDelaySeconds(0)).toBe(0);
    expect(roundedDelaySeconds(500_000)).toBe(0);
    expect(roundedDelaySeconds(500_001)).toBe(1);
    expect(roundedDelaySeconds(1_500_000)).toBe(1);
    expect(roundedDelaySeconds(-300_000)).toBe(0); // Python: floor(-0.3) + round(0.7) == 0
    expect(roundedDelaySeconds(-1_600_000)).toBe(-2);
  });
});

describe("CopyTaskParametersID (background tasks)", () => {
  test("carried from SCHEDULED to PENDING and PENDING to RUNNING", () => {
    const scheduled = state("SCHEDULED", {
      state_details: { scheduled_time: T0, task_parameters_id: "params-1", deferred: true },
    });
    const pending = taskTransition(scheduled, { type: "PENDING", state_details: { deferred: true } });
    expect(pending.policy).toBe("BackgroundTaskPolicy");
    expect(pending.stateToWrite?.state_details.task_parameters_id).toBe("params-1");
    const running = taskTransition(pending.stateToWrite, { type: "RUNNING", state_details: { deferred: true } });
    expect(running.stateToWrite?.state_details.task_parameters_id).toBe("params-1");
  });

  test("not part of the core task policy", () => {
    const scheduled = state("SCHEDULED", { state_details: { scheduled_time: T0, task_parameters_id: "params-1" } });
    expect(taskTransition(scheduled, { type: "PENDING" }).stateToWrite?.state_details.task_parameters_id).toBeNull();
  });
});
