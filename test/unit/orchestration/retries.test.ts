import { describe, expect, test } from "bun:test";
import { baseRetryDelay } from "../../../src/orchestration/rules/retries.ts";
import { clampedPoissonInterval } from "../../../src/orchestration/rules/jitter.ts";
import { addSeconds, diffSeconds } from "../../../src/core/time.ts";
import { flowTransition, state, taskTransition } from "./helpers.ts";

const NOW = "2026-08-21T12:00:01.000000Z";

describe("RetryFailedFlows", () => {
  test("with retries left, FAILED becomes AwaitingRetry at now + retry_delay", () => {
    const failed = { type: "FAILED" as const, message: "boom", data: { storage_key: "/exc" } };
    const r = flowTransition(state("RUNNING"), failed, {
      run: { run_count: 1, empirical_policy: { retries: 2, retry_delay: 10, pause_keys: ["p"], resuming: false } },
      now: NOW,
    });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "Retrying" });
    const written = r.stateToWrite!;
    expect(written.type).toBe("SCHEDULED");
    expect(written.name).toBe("AwaitingRetry");
    expect(written.message).toBe("boom");
    expect(written.data).toEqual({ storage_key: "/exc" });
    expect(written.state_details.scheduled_time).toBe(addSeconds(NOW, 10));
    expect(r.responseState).toBe(written);
    expect(r.runUpdates.empirical_policy).toEqual({
      retries: 2,
      retry_delay: 10,
      pause_keys: [],
      resuming: false,
      retry_type: "in_process",
    });
    expect(r.runUpdates.next_scheduled_start_time).toBe(addSeconds(NOW, 10));
    expect(r.emitEvent).toBe(true);
  });

  test("no retry_delay means retry now", () => {
    const r = flowTransition(
      state("RUNNING"),
      { type: "FAILED" },
      { run: { run_count: 1, empirical_policy: { retries: 1 } }, now: NOW },
    );
    expect(r.stateToWrite?.state_details.scheduled_time).toBe(NOW);
  });

  test("retries exhausted: FAILED is accepted and retry_type cleared", () => {
    const r = flowTransition(
      state("RUNNING"),
      { type: "FAILED" },
      {
        run: { run_count: 3, empirical_policy: { retries: 2, retry_type: "in_process" } },
      },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("FAILED");
    expect(r.runUpdates.empirical_policy).toEqual({ retries: 2, retry_type: null });
  });

  test("no retries configured: accepted", () => {
    expect(flowTransition(state("RUNNING"), { type: "FAILED" }, { run: { run_count: 1 } }).status).toBe("ACCEPT");
    expect(
      flowTransition(state("RUNNING"), { type: "FAILED" }, { run: { run_count: 1, empirical_policy: { retries: 0 } } })
        .status,
    ).toBe("ACCEPT");
  });

  test("deprecated max_retries / retry_delay_seconds still count", () => {
    const r = flowTransition(
      state("RUNNING"),
      { type: "FAILED" },
      {
        run: { run_count: 1, empirical_policy: { max_retries: 1, retry_delay_seconds: 5 } },
        now: NOW,
      },
    );
    expect(r.stateToWrite?.name).toBe("AwaitingRetry");
    expect(r.stateToWrite?.state_details.scheduled_time).toBe(addSeconds(NOW, 5));
  });

  test("only RUNNING -> FAILED retries", () => {
    const r = flowTransition(
      state("PENDING"),
      { type: "FAILED" },
      { run: { run_count: 0, empirical_policy: { retries: 3 } } },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("FAILED");
  });
});

describe("RetryFailedTasks", () => {
  test("retries with a list of delays indexed by attempt, last one repeating", () => {
    const delays = [1, 5, 30];
    const delayFor = (runCount: number) => {
      const r = taskTransition(
        state("RUNNING"),
        { type: "FAILED" },
        {
          run: { run_count: runCount, empirical_policy: { retries: 5, retry_delay: delays } },
          now: NOW,
        },
      );
      expect(r.status).toBe("REJECT");
      expect(r.stateToWrite?.name).toBe("AwaitingRetry");
      return diffSeconds(r.stateToWrite!.state_details.scheduled_time!, NOW);
    };
    expect([1, 2, 3, 4, 5].map(delayFor)).toEqual([1, 5, 30, 30, 30]);
  });

  test("retriable=false vetoes the retry", () => {
    const r = taskTransition(
      state("RUNNING"),
      { type: "FAILED", state_details: { retriable: false } },
      {
        run: { run_count: 1, empirical_policy: { retries: 3 } },
      },
    );
    expect(r.status).toBe("ACCEPT");
    expect(r.stateToWrite?.type).toBe("FAILED");
  });

  test("exhausted retries are accepted", () => {
    const r = taskTransition(
      state("RUNNING"),
      { type: "FAILED" },
      { run: { run_count: 2, empirical_policy: { retries: 1 } } },
    );
    expect(r.status).toBe("ACCEPT");
  });

  test("jitter uses the injected random source and stays within the clamp", () => {
    const run = { run_count: 1, empirical_policy: { retries: 1, retry_delay: 10, retry_jitter_factor: 0.5 } };
    const low = taskTransition(state("RUNNING"), { type: "FAILED" }, { run, now: NOW, random: () => 0 });
    const high = taskTransition(state("RUNNING"), { type: "FAILED" }, { run, now: NOW, random: () => 0.999999 });
    const lowDelay = diffSeconds(low.stateToWrite!.state_details.scheduled_time!, NOW);
    const highDelay = diffSeconds(high.stateToWrite!.state_details.scheduled_time!, NOW);
    expect(lowDelay).toBeGreaterThan(0);
    expect(lowDelay).toBeLessThan(highDelay);
    expect(highDelay).toBeLessThanOrEqual(15);
    // Without a random source the delay is the base delay.
    const plain = taskTransition(state("RUNNING"), { type: "FAILED" }, { run, now: NOW });
    expect(plain.stateToWrite?.state_details.scheduled_time).toBe(addSeconds(NOW, 10));
  });

  test("baseRetryDelay mirrors Python indexing", () => {
    expect(baseRetryDelay(null, 1)).toBe(0);
    expect(baseRetryDelay(7, 3)).toBe(7);
    expect(baseRetryDelay([], 1)).toBe(0);
    expect(baseRetryDelay([1, 2, 3], 0)).toBe(3); // delay[-1]
    expect(baseRetryDelay([1, 2, 3], 2)).toBe(2);
  });

  test("clampedPoissonInterval bounds", () => {
    const upper = clampedPoissonInterval(10, 0.3, () => 1 - 1e-12);
    expect(upper).toBeCloseTo(13, 5);
    const lower = clampedPoissonInterval(10, 0.3, () => 0);
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThan(10);
    expect(clampedPoissonInterval(0, 0.3, () => 0.5)).toBe(0);
    expect(() => clampedPoissonInterval(10, 0, () => 0.5)).toThrow();
  });
});
