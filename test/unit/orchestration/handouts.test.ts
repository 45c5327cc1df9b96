// The record of runs handed out moments ago (orchestration/handouts.ts): membership within the TTL,
// per-queue counts for the polls' look-past, drops on a state change, and a sweep that bounds it.
import { describe, expect, test } from "bun:test";
import { Handouts } from "../../../src/orchestration/handouts.ts";

describe("Handouts", () => {
  test("a run is recent until its TTL, counted per queue, and dropped when it changes state", () => {
    let t = 0;
    const h = new Handouts(1000, () => t);
    h.add("r1", "q1");
    h.add("r2", "q1");
    h.add("r3", "q2");
    expect([h.has("r1"), h.has("r3"), h.has("r9")]).toEqual([true, true, false]);
    expect([h.countIn("q1"), h.countIn("q2"), h.countIn("q3")]).toEqual([2, 1, 0]);
    h.drop("r2");
    expect([h.has("r2"), h.countIn("q1")]).toEqual([false, 1]);
    // Handed out again: one entry, its TTL renewed.
    t = 900;
    h.add("r1", "q1");
    t = 1500;
    expect([h.has("r1"), h.has("r3"), h.countIn("q1"), h.countIn("q2")]).toEqual([true, false, 1, 0]);
    t = 2000;
    expect(h.has("r1")).toBe(false);
    expect(h.size).toBe(0);
  });

  test("expired entries are swept once the record grows, so it stays bounded", () => {
    let t = 0;
    const h = new Handouts(10, () => t);
    for (let i = 0; i < 4000; i++) h.add(`old-${i}`, "q");
    t = 100;
    for (let i = 0; i < 200; i++) h.add(`new-${i}`, "q");
    expect(h.size).toBeLessThanOrEqual(200 + 4096 - 4000);
    expect(h.countIn("q")).toBe(h.size);
  });
});
