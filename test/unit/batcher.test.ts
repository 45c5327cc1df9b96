// The write-behind Batcher's timing: items wait for the interval and go in one batch; an urgent item
// (an event an automation waits for) brings the write forward to urgentMs, taking the waiting items
// with it; a full batch goes at once.
import { expect, test } from "bun:test";
import { Batcher } from "../../src/services/batcher.ts";

const recorder = (opts: { intervalMs: number; urgentMs?: number; maxBatch?: number }) => {
  const writes: Array<{ at: number; items: string[] }> = [];
  const t0 = performance.now();
  const b = new Batcher<string>({
    name: "test",
    maxBatch: opts.maxBatch ?? 100,
    intervalMs: opts.intervalMs,
    urgentMs: opts.urgentMs,
    write: async (items) => void writes.push({ at: performance.now() - t0, items }),
  });
  return { b, writes };
};

test("items wait for the interval and are written in one batch", async () => {
  const { b, writes } = recorder({ intervalMs: 300, urgentMs: 5 });
  b.urgent = (s) => s.startsWith("!");
  b.add(["a"]);
  b.add(["b"]);
  await Bun.sleep(100);
  expect(writes).toEqual([]);
  await Bun.sleep(300);
  expect(writes.map((w) => w.items)).toEqual([["a", "b"]]);
});

test("an urgent item brings the write forward, with the items already waiting", async () => {
  const { b, writes } = recorder({ intervalMs: 1000, urgentMs: 5 });
  b.urgent = (s) => s.startsWith("!");
  b.add(["a"]);
  b.add(["!fired"]);
  await Bun.sleep(100);
  expect(writes.map((w) => w.items)).toEqual([["a", "!fired"]]);
  expect(writes[0]!.at).toBeLessThan(500);
  // Without a predicate nothing is urgent.
  b.urgent = null;
  b.add(["!later"]);
  await Bun.sleep(100);
  expect(writes.length).toBe(1);
  await b.flush();
  expect(writes.map((w) => w.items)).toEqual([["a", "!fired"], ["!later"]]);
});

test("a full batch is written at once", async () => {
  const { b, writes } = recorder({ intervalMs: 1000, maxBatch: 2 });
  b.add(["a", "b"]);
  await Bun.sleep(20);
  expect(writes.map((w) => w.items)).toEqual([["a", "b"]]);
});
