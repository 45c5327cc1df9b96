// The background task queue: one run to one worker at a time, nothing more until it acknowledges, a run
// sent but not acknowledged goes back when its worker goes, held runs are handed back to the caller,
// retries first, and a run seen to start is never queued again while the database may still say
// Scheduled.
import { describe, expect, test } from "bun:test";
import { TaskQueue } from "../../../src/orchestration/task-queue.ts";

const run = (id: string, key = "k") => ({ id, task_key: key });

function worker(q: TaskQueue, id: string, keys = ["k"]) {
  const got: string[] = [];
  q.subscribe(id, `client-${id}`, keys, (r) => got.push(r.id));
  return got;
}

describe("TaskQueue", () => {
  test("each run goes to one worker, and a worker gets the next only after its ack", () => {
    const q = new TaskQueue();
    const a = worker(q, "a");
    const b = worker(q, "b");
    for (const id of ["1", "2", "3"]) q.push(run(id));
    expect([...a, ...b].sort()).toEqual(["1", "2"]);
    expect(a.length).toBe(1);
    expect(q.size).toBe(1);
    q.ack("a");
    expect([...a, ...b].sort()).toEqual(["1", "2", "3"]);
    expect(q.push(run("3"))).toBe(false); // already held
  });

  test("a worker's unacknowledged run goes to another; its held ones come back to the caller", () => {
    const q = new TaskQueue();
    const a = worker(q, "a");
    q.push(run("1"));
    q.ack("a");
    q.push(run("2"));
    expect(a).toEqual(["1", "2"]);
    const b = worker(q, "b");
    const held = q.drop("a");
    expect(held.map((r) => r.id)).toEqual(["1"]);
    expect(b).toEqual(["2"]);
    q.ack("b");
    q.requeue(held);
    expect(b).toEqual(["2", "1"]);
  });

  test("retries go first; keys are served in the worker's order; other keys wait", () => {
    const q = new TaskQueue();
    q.push(run("s1", "x"));
    q.push(run("r1", "x"), true);
    q.push(run("y1", "y"));
    q.push(run("z1", "z"));
    const a = worker(q, "a", ["y", "x"]);
    q.ack("a");
    q.ack("a");
    q.ack("a");
    expect(a).toEqual(["y1", "r1", "s1"]);
    expect(q.size).toBe(1);
  });

  test("a run seen to start is dropped from the queue and not queued again", () => {
    let now = 0;
    const q = new TaskQueue(() => now);
    q.push(run("1"));
    q.started("1");
    expect(q.size).toBe(0);
    expect(q.push(run("1"))).toBe(false);
    const a = worker(q, "a");
    expect(a).toEqual([]);
    now += 10 * 60_000;
    expect(q.push(run("1"))).toBe(true);
    expect(a).toEqual(["1"]);
    q.ack("a");
    q.started("1");
    expect(q.drop("a")).toEqual([]);
  });

  test("workers are listed once per client with their keys, filtered by key", () => {
    const q = new TaskQueue();
    q.subscribe("s1", "c1", ["a", "b"], () => {});
    q.subscribe("s2", "c2", ["c"], () => {});
    expect(q.workers().map((w) => [w.identifier, w.task_keys])).toEqual([
      ["c1", ["a", "b"]],
      ["c2", ["c"]],
    ]);
    expect(q.workers(["c"]).map((w) => w.identifier)).toEqual(["c2"]);
    expect(q.workers()[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    q.drop("s2");
    expect(q.workers(["c"])).toEqual([]);
  });

  test("held runs handed back are not requeued when a subscribe placed them meanwhile, or they started", () => {
    const q = new TaskQueue();
    const a = worker(q, "a");
    q.push(run("1"));
    q.ack("a");
    q.push(run("2"));
    q.ack("a");
    expect(a).toEqual(["1", "2"]);
    const held = q.drop("a");
    expect(held.map((r) => r.id)).toEqual(["1", "2"]);
    // While the caller checks the database, a new worker's backlog places run 1 and run 2 starts.
    const c = worker(q, "c");
    q.push(run("1"));
    expect(c).toEqual(["1"]);
    q.started("2");
    const d = worker(q, "d");
    q.requeue(held);
    expect(d).toEqual([]);
    expect(q.size).toBe(0);
  });

  test("only runs the queue handed out are remembered as started", () => {
    const q = new TaskQueue();
    q.started("someone-elses");
    expect(q.push(run("someone-elses"))).toBe(true);
  });

  test("a key whose waiting runs did not all fit asks for more when its worker runs dry", () => {
    const q = new TaskQueue();
    const asked: string[][] = [];
    q.hungry = (keys) => asked.push(keys);
    q.markOverflowed("k");
    const a = worker(q, "a", ["k", "other"]);
    expect(a).toEqual([]);
    expect(asked).toEqual([["k"]]);
    q.push(run("1"));
    q.ack("a");
    expect(asked).toEqual([["k"]]); // asked once per overflow
  });
});
