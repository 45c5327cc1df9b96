import { describe, expect, test } from "bun:test";
import {
  defaultStateName,
  draftFromState,
  hasPersistedResult,
  isPersistedResultData,
  isStateType,
  isTerminal,
  makeDraft,
  STATE_TYPES,
} from "../../../src/orchestration/states.ts";
import { state } from "./helpers.ts";

describe("states", () => {
  test("default names are the title-cased type", () => {
    expect(STATE_TYPES.map(defaultStateName)).toEqual([
      "Scheduled",
      "Pending",
      "Running",
      "Completed",
      "Failed",
      "Cancelled",
      "Crashed",
      "Paused",
      "Cancelling",
    ]);
  });

  test("terminal types", () => {
    expect(STATE_TYPES.filter((t) => isTerminal(t))).toEqual(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);
    expect(isTerminal(null)).toBe(false);
  });

  test("isStateType", () => {
    expect(isStateType("RUNNING")).toBe(true);
    expect(isStateType("running")).toBe(false);
    expect(isStateType(undefined)).toBe(false);
  });

  test("persisted results", () => {
    expect(hasPersistedResult({ data: { storage_key: "x" } })).toBe(true);
    expect(hasPersistedResult({ data: { type: "unpersisted" } })).toBe(false);
    expect(hasPersistedResult({ data: {} })).toBe(false);
    expect(hasPersistedResult({ data: "a string" })).toBe(false);
    expect(hasPersistedResult({ data: null })).toBe(false);
    expect(isPersistedResultData({})).toBe(true);
    expect(isPersistedResultData([1])).toBe(false);
  });

  test("drafts fill every state_details field; copies are independent", () => {
    const d = makeDraft("SCHEDULED", { name: "AwaitingRetry", state_details: { scheduled_time: "t" } });
    expect(d.state_details.scheduled_time).toBe("t");
    expect(d.state_details.pause_reschedule).toBe(false);
    expect(d.state_details.deferred).toBe(false);
    const original = state("COMPLETED", { data: { nested: { a: 1 } } });
    const copy = draftFromState(original);
    (copy.data as { nested: { a: number } }).nested.a = 2;
    expect((original.data as { nested: { a: number } }).nested.a).toBe(1);
    expect("id" in copy).toBe(false);
  });
});
