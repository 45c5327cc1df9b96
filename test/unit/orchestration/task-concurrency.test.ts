// SecureTaskConcurrencySlots and ReleaseTaskConcurrencySlots as pure rules: a free tag limit takes a
// slot (an effect for the store), a full one WAITs about its average occupancy capped at the tag wait,
// a limit of 0 ABORTs, and leaving RUNNING asks for the release.
import { describe, expect, test } from "bun:test";
import type { TagConcurrency } from "../../../src/orchestration/context.ts";
import { state, taskTransition } from "./helpers.ts";

const tc = (active: number, limit = 1, avg = 2): TagConcurrency => ({
  limits: [{ id: "limit-1", tag: "db", limit, active_slots: active, avg_slot_occupancy_seconds: avg }],
  waitSeconds: 10,
  newLeaseId: "lease-new",
});
const run = { tags: ["db"] };

describe("tag concurrency rules", () => {
  test("a free limit: ACCEPT and take the slot under the new lease", () => {
    const r = taskTransition(state("PENDING"), { type: "RUNNING" }, { run, tagConcurrency: tc(0) });
    expect(r.status).toBe("ACCEPT");
    expect(r.effects).toContainEqual({
      kind: "take_task_concurrency_slots",
      limit_ids: ["limit-1"],
      lease_id: "lease-new",
    });
  });

  test("a full limit WAITs its average occupancy, at most the tag wait; 0 ABORTs", () => {
    const full = taskTransition(state("PENDING"), { type: "RUNNING" }, { run, tagConcurrency: tc(1) });
    expect(full.status).toBe("WAIT");
    expect(full.details).toMatchObject({ delay_seconds: 2, reason: "Concurrency limit reached for tags: db" });
    expect(full.effects).toEqual([]);
    const slow = taskTransition(state("PENDING"), { type: "RUNNING" }, { run, tagConcurrency: tc(1, 1, 500) });
    expect(slow.details).toMatchObject({ delay_seconds: 10 });
    const zero = taskTransition(state("PENDING"), { type: "RUNNING" }, { run, tagConcurrency: tc(0, 0) });
    expect(zero.status).toBe("ABORT");
  });

  test("leaving RUNNING releases; no tags, nothing to release", () => {
    expect(taskTransition(state("RUNNING"), { type: "COMPLETED" }, { run }).effects).toContainEqual({
      kind: "release_task_concurrency_slots",
    });
    expect(
      taskTransition(state("RUNNING"), { type: "COMPLETED" }, { run: { tags: [] } }).effects.map((e) => e.kind),
    ).not.toContain("release_task_concurrency_slots");
  });
});
