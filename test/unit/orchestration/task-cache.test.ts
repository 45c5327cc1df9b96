import { describe, expect, test } from "bun:test";
import { PERSISTED, state, TASK_RUN_ID, FLOW_RUN_ID, taskTransition } from "./helpers.ts";

const cached = state("COMPLETED", {
  id: "cached-state-id",
  timestamp: "2026-08-20T00:00:00.000000Z",
  message: "done earlier",
  data: PERSISTED,
  state_details: { cache_key: "key-1", task_run_id: "other-task", flow_run_id: "other-flow" },
});

describe("CacheRetrieval", () => {
  test("a cached state is returned as a fresh Cached copy instead of running", () => {
    const r = taskTransition(
      state("PENDING"),
      { type: "RUNNING", state_details: { cache_key: "key-1" } },
      { cachedState: cached },
    );
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "Retrieved state from cache" });
    const written = r.stateToWrite!;
    expect(written.type).toBe("COMPLETED");
    expect(written.name).toBe("Cached");
    expect(written.id).not.toBe("cached-state-id");
    expect(written.timestamp).toBe("2026-08-21T12:00:01.000000Z");
    expect(written.data).toEqual(PERSISTED);
    expect(written.message).toBe("done earlier");
    // The copy belongs to this run now.
    expect(written.state_details.task_run_id).toBe(TASK_RUN_ID);
    expect(written.state_details.flow_run_id).toBe(FLOW_RUN_ID);
    expect(r.runUpdates.state_type).toBe("COMPLETED");
    expect(r.runUpdates.run_count).toBeUndefined();
    expect(r.fired).toEqual(["CacheRetrieval"]);
  });

  test("refresh_cache, a missing key or no cached state -> runs", () => {
    const refresh = taskTransition(
      state("PENDING"),
      {
        type: "RUNNING",
        state_details: { cache_key: "key-1", refresh_cache: true },
      },
      { cachedState: cached },
    );
    expect(refresh.status).toBe("ACCEPT");
    expect(taskTransition(state("PENDING"), { type: "RUNNING" }, { cachedState: cached }).status).toBe("ACCEPT");
    expect(taskTransition(state("PENDING"), { type: "RUNNING", state_details: { cache_key: "key-1" } }).status).toBe(
      "ACCEPT",
    );
  });

  test("served even when the flow is not running (rule order)", () => {
    const r = taskTransition(
      state("PENDING"),
      { type: "RUNNING", state_details: { cache_key: "key-1" } },
      {
        cachedState: cached,
        flowRun: { id: FLOW_RUN_ID, run_count: 1, state: state("CANCELLING") },
      },
    );
    expect(r.stateToWrite?.name).toBe("Cached");
  });
});

describe("CacheInsertion", () => {
  test("a completed state with a cache key asks for a cache row", () => {
    const r = taskTransition(state("RUNNING"), {
      type: "COMPLETED",
      data: PERSISTED,
      state_details: { cache_key: "key-2", cache_expiration: "2026-08-22T12:00:00+00:00" },
    });
    expect(r.status).toBe("ACCEPT");
    expect(r.effects).toContainEqual({
      kind: "insert_task_run_state_cache",
      cache_key: "key-2",
      cache_expiration: "2026-08-22T12:00:00.000000Z",
      task_run_state_id: r.stateToWrite!.id,
    });
  });

  test("no key, no row", () => {
    const r = taskTransition(state("RUNNING"), { type: "COMPLETED" });
    expect(r.effects.filter((e) => e.kind === "insert_task_run_state_cache")).toEqual([]);
  });

  test("a key over the limit is refused but the state is still written (as in Prefect)", () => {
    const key = "k".repeat(2001);
    const r = taskTransition(state("RUNNING"), { type: "COMPLETED", state_details: { cache_key: key } });
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({
      type: "reject_details",
      reason: "Cache key exceeded maximum allowed length of 2000 characters.",
    });
    expect(r.stateToWrite?.type).toBe("COMPLETED");
    expect(r.effects).toEqual([]);
    expect(
      taskTransition(state("RUNNING"), { type: "COMPLETED", state_details: { cache_key: "k".repeat(2000) } }).status,
    ).toBe("ACCEPT");
  });

  test("the limit is configurable", () => {
    const r = taskTransition(
      state("RUNNING"),
      { type: "COMPLETED", state_details: { cache_key: "abcdef" } },
      { maxCacheKeyLength: 5 },
    );
    expect(r.status).toBe("REJECT");
  });
});
