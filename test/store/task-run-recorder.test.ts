import { setLogSink } from "../../src/core/logger.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rows } from "../../src/db/driver.ts";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { parseEvent } from "../../src/events/schema.ts";
import { recordTaskRunEvents } from "../../src/store/task-run-events.ts";
import { DIALECTS } from "../support/databases.ts";
import { eventsApp, seedFlowRun, taskRunEvent, type EventsApp } from "../support/events-app.ts";

const received = (e: unknown): ReceivedEvent => {
  const p = parseEvent(e);
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.event;
};

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, "0")}.000000Z`;

describe.each(DIALECTS)("task-run recorder on $name", ({ url }) => {
  let t: EventsApp;
  beforeAll(async () => {
    t = await eventsApp(await url());
  });
  afterAll(() => t.close());

  const taskRuns = (flowRunId: string | null) =>
    t.driver.read(function* () {
      return yield* rows<Record<string, any>>(
        flowRunId
          ? sql`SELECT * FROM task_run WHERE flow_run_id = ${flowRunId} ORDER BY id`
          : sql`SELECT * FROM task_run WHERE flow_run_id IS NULL ORDER BY id`,
      );
    });
  const states = (taskRunId: string) =>
    t.driver.read(function* () {
      return yield* rows<Record<string, any>>(
        sql`SELECT * FROM task_run_state WHERE task_run_id = ${taskRunId} ORDER BY timestamp`,
      );
    });

  test("Pending → Running → Completed: one task run with the newest state, three states", async () => {
    const fr = await seedFlowRun(t.driver);
    const tr = Bun.randomUUIDv7();
    const evs = [
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) }),
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "RUNNING", name: "Running", occurred: T(2) }),
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "COMPLETED", name: "Completed", occurred: T(3) }),
    ];
    for (const e of evs) {
      const out = await recordTaskRunEvents(t.driver, [received(e)]);
      expect(out).toEqual({ recorded: 1, deferred: [], rejected: [] });
    }
    const [row] = await taskRuns(fr);
    expect(row).toMatchObject({
      id: tr,
      flow_run_id: fr,
      name: "t-6b6",
      task_key: "t-ba75454b",
      dynamic_key: "6b63b44e",
      state_type: "COMPLETED",
      state_name: "Completed",
      state_id: evs[2].id,
      state_timestamp: T(3),
      run_count: 1,
      flow_run_run_count: 1,
      tags: ["a"],
      task_inputs: { x: [] },
      start_time: "2026-01-01T00:00:01.000000Z",
      end_time: T(3),
      total_run_time: 0.5,
    });
    const st = await states(tr);
    expect(st.map((s) => [s.id, s.type, s.name, s.timestamp])).toEqual(
      evs.map((e) => [e.id, e.payload.validated_state.type, e.payload.validated_state.name, e.occurred]),
    );
    expect(st[0].state_details).toMatchObject({ task_run_id: tr, flow_run_id: fr, untrackable_result: false });
    expect(st[0].data).toBeNull();
  });

  test("resent events (same ids) change nothing", async () => {
    const fr = await seedFlowRun(t.driver);
    const tr = Bun.randomUUIDv7();
    const evs = [
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) }),
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "RUNNING", name: "Running", occurred: T(2) }),
    ].map(received);
    await recordTaskRunEvents(t.driver, evs);
    const before = await taskRuns(fr);
    // The same events again, in one batch with duplicates, and one by one.
    await recordTaskRunEvents(t.driver, [...evs, ...evs]);
    for (const e of evs) await recordTaskRunEvents(t.driver, [e]);
    expect(await taskRuns(fr)).toEqual(before);
    expect((await states(tr)).length).toBe(2);
  });

  test("out of order: Completed before Running does not regress the state", async () => {
    const fr = await seedFlowRun(t.driver);
    const tr = Bun.randomUUIDv7();
    const completed = received(
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "COMPLETED", name: "Completed", occurred: T(3) }),
    );
    const running = received(
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "RUNNING", name: "Running", occurred: T(2) }),
    );
    const pending = received(
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) }),
    );
    await recordTaskRunEvents(t.driver, [completed]);
    await recordTaskRunEvents(t.driver, [running]);
    await recordTaskRunEvents(t.driver, [pending]);
    const [row] = await taskRuns(fr);
    expect(row).toMatchObject({
      state_type: "COMPLETED",
      state_id: completed.id,
      state_timestamp: T(3),
      end_time: T(3),
    });
    // Every state is still in the history, in time order.
    expect((await states(tr)).map((s) => s.type)).toEqual(["PENDING", "RUNNING", "COMPLETED"]);

    // Within one batch the newest event speaks for the row, whatever the arrival order.
    const tr2 = Bun.randomUUIDv7();
    const batch = [
      taskRunEvent({
        taskRunId: tr2,
        flowRunId: fr,
        type: "COMPLETED",
        name: "Completed",
        occurred: T(9),
        dynamicKey: "b",
      }),
      taskRunEvent({
        taskRunId: tr2,
        flowRunId: fr,
        type: "PENDING",
        name: "Pending",
        occurred: T(7),
        dynamicKey: "b",
      }),
      taskRunEvent({
        taskRunId: tr2,
        flowRunId: fr,
        type: "RUNNING",
        name: "Running",
        occurred: T(8),
        dynamicKey: "b",
      }),
    ].map(received);
    await recordTaskRunEvents(t.driver, batch);
    expect((await taskRuns(fr)).find((r) => r.id === tr2)).toMatchObject({
      state_type: "COMPLETED",
      state_timestamp: T(9),
    });
  });

  test("natural key: a second id for the same (flow run, task key, dynamic key) joins the existing row", async () => {
    const fr = await seedFlowRun(t.driver);
    const first = Bun.randomUUIDv7();
    const second = Bun.randomUUIDv7();
    await recordTaskRunEvents(t.driver, [
      received(taskRunEvent({ taskRunId: first, flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) })),
    ]);
    const later = received(
      taskRunEvent({ taskRunId: second, flowRunId: fr, type: "RUNNING", name: "Running", occurred: T(2) }),
    );
    await recordTaskRunEvents(t.driver, [later]);
    const all = await taskRuns(fr);
    expect(all.length).toBe(1);
    expect(all[0]).toMatchObject({ id: first, state_type: "RUNNING", state_id: later.id });
    // The state of the second id is filed under the existing (canonical) id.
    const st = await states(first);
    expect(st.map((s) => s.type)).toEqual(["PENDING", "RUNNING"]);
    expect(st[1].state_details.task_run_id).toBe(first);

    // Both ids in one batch: still one row.
    const fr2 = await seedFlowRun(t.driver);
    const a = Bun.randomUUIDv7();
    const b = Bun.randomUUIDv7();
    await recordTaskRunEvents(t.driver, [
      received(taskRunEvent({ taskRunId: a, flowRunId: fr2, type: "PENDING", name: "Pending", occurred: T(1) })),
      received(taskRunEvent({ taskRunId: b, flowRunId: fr2, type: "RUNNING", name: "Running", occurred: T(2) })),
    ]);
    const rows2 = await taskRuns(fr2);
    expect(rows2.length).toBe(1);
    expect(rows2[0].state_type).toBe("RUNNING");
    expect((await states(rows2[0].id)).length).toBe(2);
  });

  test("a flow run that does not exist defers the event without touching the rest of the batch", async () => {
    const fr = await seedFlowRun(t.driver);
    const missing = Bun.randomUUIDv7();
    const ok = received(
      taskRunEvent({ taskRunId: Bun.randomUUIDv7(), flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) }),
    );
    const orphan = received(
      taskRunEvent({
        taskRunId: Bun.randomUUIDv7(),
        flowRunId: missing,
        type: "PENDING",
        name: "Pending",
        occurred: T(1),
      }),
    );
    const out = await recordTaskRunEvents(t.driver, [ok, orphan]);
    expect(out.recorded).toBe(1);
    expect(out.deferred.map((e) => e.id)).toEqual([orphan.id]);
    expect((await taskRuns(fr)).length).toBe(1);
    expect((await taskRuns(missing)).length).toBe(0);

    // Once the flow run exists, the same event records normally.
    await seedFlowRun(t.driver, missing);
    expect((await recordTaskRunEvents(t.driver, [orphan])).recorded).toBe(1);
    expect((await taskRuns(missing)).length).toBe(1);
  });

  test("a task run outside any flow run is keyed by id alone", async () => {
    const tr = Bun.randomUUIDv7();
    await recordTaskRunEvents(t.driver, [
      received(taskRunEvent({ taskRunId: tr, type: "PENDING", name: "Pending", occurred: T(1), taskKey: "solo" })),
    ]);
    await recordTaskRunEvents(t.driver, [
      received(taskRunEvent({ taskRunId: tr, type: "COMPLETED", name: "Completed", occurred: T(2), taskKey: "solo" })),
    ]);
    const all = (await taskRuns(null)).filter((r) => r.id === tr);
    expect(all.length).toBe(1);
    expect(all[0]).toMatchObject({ flow_run_id: null, state_type: "COMPLETED" });
  });

  test("events that are not task-run state events are rejected, not thrown", async () => {
    const bad = received({
      ...taskRunEvent({ taskRunId: Bun.randomUUIDv7(), type: "PENDING", name: "Pending", occurred: T(1) }),
      payload: {},
    });
    const notTask = received({
      ...taskRunEvent({ taskRunId: Bun.randomUUIDv7(), type: "PENDING", name: "Pending", occurred: T(1) }),
      resource: { "prefect.resource.id": "prefect.flow-run.x" },
    });
    const out = await recordTaskRunEvents(t.driver, [bad, notTask]);
    expect(out.recorded).toBe(0);
    expect(out.rejected.map((r) => r.event.id)).toEqual([bad.id, notTask.id]);
  });

  test("typed fields in the event are checked as the API checks them: a bad one rejects the event", async () => {
    const base = () =>
      taskRunEvent({ taskRunId: Bun.randomUUIDv7(), type: "PENDING", name: "Pending", occurred: T(1) });
    const withTaskRun = (extra: Record<string, unknown>) => {
      const e = base();
      return received({ ...e, payload: { ...e.payload, task_run: { ...(e.payload.task_run as object), ...extra } } });
    };
    const withDetails = (details: Record<string, unknown>) => {
      const e = base();
      return received({
        ...e,
        payload: {
          ...e.payload,
          validated_state: { ...(e.payload.validated_state as object), state_details: details },
        },
      });
    };
    const bad = [
      withTaskRun({ labels: { a: { nested: 1 } } }),
      withTaskRun({ task_inputs: { x: "y" } }),
      withTaskRun({ empirical_policy: { retries: "many" } }),
      withDetails({ child_flow_run_id: "AAA" }),
      withDetails({ pause_timeout: "later" }),
    ];
    const out = await recordTaskRunEvents(t.driver, bad);
    expect(out.recorded).toBe(0);
    expect(out.rejected.map((r) => r.event.id)).toEqual(bad.map((e) => e.id));
    const good = withTaskRun({
      labels: { a: 1 },
      task_inputs: { x: [{ input_type: "parameter", name: "p" }] },
      empirical_policy: { retries: 2, retry_delay: [1, 2] },
    });
    expect((await recordTaskRunEvents(t.driver, [good])).recorded).toBe(1);
  });

  test("the recorder service picks client task-run events off the bus and flushes on demand", async () => {
    const fr = await seedFlowRun(t.driver);
    const tr = Bun.randomUUIDv7();
    const evs = [
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "PENDING", name: "Pending", occurred: T(1) }),
      taskRunEvent({ taskRunId: tr, flowRunId: fr, type: "COMPLETED", name: "Completed", occurred: T(2) }),
    ].map(received);
    // A server-orchestrated task-run event (no prefect.orchestration=client) is not the recorder's business.
    const serverSide = received({
      ...taskRunEvent({
        taskRunId: Bun.randomUUIDv7(),
        flowRunId: fr,
        type: "PENDING",
        name: "Pending",
        occurred: T(1),
        dynamicKey: "srv",
      }),
    });
    delete (serverSide.resource as Record<string, string>)["prefect.orchestration"];
    t.bus.publish([...evs, serverSide]);
    await t.mod.flush();
    const all = await taskRuns(fr);
    expect(all.map((r) => [r.id, r.state_type])).toEqual([[tr, "COMPLETED"]]);
  });

  test("the recorder retries an event whose flow run appears a little later, and drops it eventually", async () => {
    const late = Bun.randomUUIDv7();
    const e = received(
      taskRunEvent({
        taskRunId: Bun.randomUUIDv7(),
        flowRunId: late,
        type: "PENDING",
        name: "Pending",
        occurred: T(1),
      }),
    );
    t.bus.publish([e]);
    await t.mod.flush();
    expect(t.mod.services.recorder.pending).toBe(1);
    await seedFlowRun(t.driver, late);
    for (let i = 0; i < 50 && (await taskRuns(late)).length === 0; i++) await Bun.sleep(10);
    expect((await taskRuns(late)).length).toBe(1);

    const never = received(
      taskRunEvent({
        taskRunId: Bun.randomUUIDv7(),
        flowRunId: Bun.randomUUIDv7(),
        type: "PENDING",
        name: "Pending",
        occurred: T(1),
      }),
    );
    const errors: string[] = [];
    setLogSink((line) => void errors.push(line));
    try {
      t.bus.publish([never]);
      for (let i = 0; i < 100 && t.mod.services.recorder.pending + errors.length < 1; i++) await Bun.sleep(10);
      for (let i = 0; i < 100 && t.mod.services.recorder.pending > 0; i++) await Bun.sleep(10);
    } finally {
      setLogSink(null);
    }
    expect(t.mod.services.recorder.pending).toBe(0);
    expect(String(errors.at(-1))).toContain("dropping");
  });
});
