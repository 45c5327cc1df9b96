import { describe, expect, test } from "bun:test";
import { applyBookkeeping, estimatedRunTime, estimatedStartTimeDelta } from "../../../src/orchestration/bookkeeping.ts";
import { flowRun, state, taskRun, T0 } from "./helpers.ts";
import { addSeconds } from "../../../src/core/time.ts";

const at = (seconds: number) => addSeconds(T0, seconds);

describe("applyBookkeeping", () => {
  test("a first SCHEDULED state sets expected and next scheduled start", () => {
    const s = state("SCHEDULED", { timestamp: at(0), state_details: { scheduled_time: at(60) } });
    expect(applyBookkeeping("flow_run", flowRun(), null, s)).toEqual({
      state_id: s.id,
      state_type: "SCHEDULED",
      state_name: "Scheduled",
      state_timestamp: at(0),
      expected_start_time: at(60),
      next_scheduled_start_time: at(60),
    });
  });

  test("a first non-scheduled state sets expected start to its timestamp", () => {
    const s = state("PENDING", { timestamp: at(5) });
    expect(applyBookkeeping("flow_run", flowRun(), null, s).expected_start_time).toBe(at(5));
    const patch = applyBookkeeping("flow_run", flowRun({ expected_start_time: at(1) }), null, s);
    expect(patch.expected_start_time).toBeUndefined();
  });

  test("leaving SCHEDULED clears next_scheduled_start_time", () => {
    const patch = applyBookkeeping(
      "flow_run",
      flowRun({ next_scheduled_start_time: at(60) }),
      state("SCHEDULED"),
      state("PENDING", { timestamp: at(1) }),
    );
    expect(patch.next_scheduled_start_time).toBeNull();
  });

  test("RUNNING sets start_time once and counts attempts", () => {
    const first = applyBookkeeping("flow_run", flowRun(), state("PENDING"), state("RUNNING", { timestamp: at(2) }));
    expect(first.start_time).toBe(at(2));
    expect(first.run_count).toBe(1);
    const again = applyBookkeeping(
      "flow_run",
      flowRun({ start_time: at(2), run_count: 1 }),
      state("SCHEDULED"),
      state("RUNNING", { timestamp: at(9) }),
    );
    expect(again.start_time).toBeUndefined();
    expect(again.run_count).toBe(2);
  });

  test("resuming flows do not count a new attempt and the flag is cleared", () => {
    const run = flowRun({ run_count: 1, empirical_policy: { resuming: true, retries: 2 } });
    const patch = applyBookkeeping("flow_run", run, state("PENDING"), state("RUNNING", { timestamp: at(3) }));
    expect(patch.run_count).toBeUndefined();
    expect(patch.empirical_policy).toEqual({ resuming: false, retries: 2 });
  });

  test("task runs always count RUNNING", () => {
    expect(
      applyBookkeeping("task_run", taskRun({ run_count: 4 }), state("SCHEDULED"), state("RUNNING")).run_count,
    ).toBe(5);
  });

  test("leaving RUNNING adds the time spent, with microseconds", () => {
    const run = flowRun({ total_run_time: 1.5, start_time: at(0) });
    const patch = applyBookkeeping(
      "flow_run",
      run,
      state("RUNNING", { timestamp: at(0) }),
      state("COMPLETED", { timestamp: at(2.000001) }),
    );
    expect(patch.total_run_time).toBe(3.500001);
    expect(patch.end_time).toBe(at(2.000001));
  });

  test("a terminal state sets end_time once, and start_time when the run never ran", () => {
    const patch = applyBookkeeping("flow_run", flowRun(), state("SCHEDULED"), state("CANCELLED", { timestamp: at(4) }));
    expect(patch.end_time).toBe(at(4));
    expect(patch.start_time).toBe(at(4));
    const later = applyBookkeeping(
      "flow_run",
      flowRun({ start_time: at(0), end_time: at(4) }),
      state("FAILED"),
      state("CRASHED", { timestamp: at(5) }),
    );
    expect(later.end_time).toBeUndefined();
  });

  test("start_time is only filled in together with a new end_time", () => {
    const patch = applyBookkeeping(
      "flow_run",
      flowRun({ end_time: at(1) }),
      state("FAILED"),
      state("CRASHED", { timestamp: at(2) }),
    );
    expect(patch.start_time).toBeUndefined();
    expect(patch.end_time).toBeUndefined();
  });

  test("leaving a terminal state clears end_time", () => {
    const patch = applyBookkeeping(
      "flow_run",
      flowRun({ start_time: at(0), end_time: at(4) }),
      state("FAILED"),
      state("SCHEDULED", { timestamp: at(5), state_details: { scheduled_time: at(5) } }),
    );
    expect(patch.end_time).toBeNull();
  });

  test("terminal -> terminal after re-entering keeps a fresh end_time", () => {
    const patch = applyBookkeeping(
      "flow_run",
      flowRun({ start_time: at(0), end_time: null }),
      state("RUNNING", { timestamp: at(1) }),
      state("COMPLETED", { timestamp: at(3) }),
    );
    expect(patch.end_time).toBe(at(3));
  });
});

describe("derived fields", () => {
  test("estimatedRunTime adds the current RUNNING stretch", () => {
    expect(estimatedRunTime({ state_type: "RUNNING", state_timestamp: at(0), total_run_time: 5 }, at(2.5))).toBe(7.5);
    expect(estimatedRunTime({ state_type: "COMPLETED", state_timestamp: at(0), total_run_time: 5 }, at(2.5))).toBe(5);
  });

  test("estimatedStartTimeDelta is the lateness", () => {
    expect(
      estimatedStartTimeDelta({ start_time: at(10), expected_start_time: at(4), state_type: "RUNNING" }, at(20)),
    ).toBe(6);
    expect(
      estimatedStartTimeDelta({ start_time: at(1), expected_start_time: at(4), state_type: "RUNNING" }, at(20)),
    ).toBe(0);
    expect(
      estimatedStartTimeDelta({ start_time: null, expected_start_time: at(4), state_type: "SCHEDULED" }, at(20)),
    ).toBe(16);
    expect(
      estimatedStartTimeDelta({ start_time: null, expected_start_time: at(4), state_type: "CANCELLED" }, at(20)),
    ).toBe(0);
    expect(
      estimatedStartTimeDelta({ start_time: null, expected_start_time: at(30), state_type: "SCHEDULED" }, at(20)),
    ).toBe(0);
    expect(estimatedStartTimeDelta({ start_time: null, expected_start_time: null, state_type: null }, at(20))).toBe(0);
  });
});
