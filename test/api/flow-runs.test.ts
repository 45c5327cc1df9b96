import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("flow runs API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;
  const post = async (path: string, json: unknown) => {
    const r = await t.call(path, { method: "POST", json });
    return { status: r.status, body: (await r.json()) as any };
  };
  const setState = (id: string, state: J, force = false) => post(`/api/flow_runs/${id}/set_state`, { state, force });

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await post("/api/flows/", { name: "etl" })).body.id;
  });
  afterAll(() => t.close());

  test("create: slug name, Pending state, system label, 201; idempotency key returns the same run with 200", async () => {
    const a = await post("/api/flow_runs/", {
      flow_id: flowId,
      parameters: { n: 1 },
      tags: ["a"],
      idempotency_key: "k1",
    });
    expect(a.status).toBe(201);
    expect(a.body.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(a.body.state).toMatchObject({ type: "PENDING", name: "Pending" });
    expect(a.body.state_type).toBe("PENDING");
    expect(a.body.labels["prefect.flow.id"]).toBe(flowId);
    expect(a.body.parameters).toEqual({ n: 1 });
    expect(a.body.expected_start_time).toBe(a.body.state.timestamp);
    const again = await post("/api/flow_runs/", { flow_id: flowId, idempotency_key: "k1" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(a.body.id);
  });

  test("a full run: Pending → Running → Completed with bookkeeping, history of states, event-ready result", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId, name: "full" })).body;
    const running = await setState(run.id, { type: "RUNNING", state_details: { transition_id: crypto.randomUUID() } });
    expect(running.status).toBe(201);
    expect(running.body).toMatchObject({
      status: "ACCEPT",
      details: { type: "accept_details" },
      state: { type: "RUNNING", name: "Running" },
    });
    const completed = await setState(run.id, { type: "COMPLETED" });
    expect(completed.body.status).toBe("ACCEPT");
    const read = (await (await t.call(`/api/flow_runs/${run.id}`)).json()) as J;
    expect(read).toMatchObject({ state_type: "COMPLETED", state_name: "Completed", run_count: 1 });
    expect(read.start_time).toBe(running.body.state.timestamp);
    expect(read.end_time).toBe(completed.body.state.timestamp);
    expect(read.total_run_time).toBeGreaterThanOrEqual(0);
    const states = (await (await t.call(`/api/flow_run_states/?flow_run_id=${run.id}`)).json()) as J[];
    expect(states.map((s) => s.type)).toEqual(["PENDING", "RUNNING", "COMPLETED"]);
    const one = await t.call(`/api/flow_run_states/${states[1].id}`);
    expect(((await one.json()) as J).type).toBe("RUNNING");
  });

  test("every accepted transition emits prefect.flow-run.<State> naming the run, its flow and its tags", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId, name: "evented", tags: ["t1"] })).body;
    await setState(run.id, { type: "RUNNING" });
    await setState(run.id, { type: "PENDING" }); // aborted: no event
    await setState(run.id, { type: "COMPLETED" });
    await t.app.events.flush();
    const r = await post("/api/events/filter", {
      filter: { resource: { id: [`prefect.flow-run.${run.id}`] }, order: "ASC" },
    });
    const events = r.body.events as J[];
    expect(events.map((e) => e.event)).toEqual([
      "prefect.flow-run.Pending",
      "prefect.flow-run.Running",
      "prefect.flow-run.Completed",
    ]);
    const done = events[2];
    expect(done.resource).toMatchObject({
      "prefect.resource.name": "evented",
      "prefect.run-count": "1",
      "prefect.state-type": "COMPLETED",
      "prefect.state-name": "Completed",
    });
    expect(done.related).toEqual(
      expect.arrayContaining([
        {
          "prefect.resource.id": `prefect.flow.${flowId}`,
          "prefect.resource.role": "flow",
          "prefect.resource.name": "etl",
        },
        { "prefect.resource.id": "prefect.tag.t1", "prefect.resource.role": "tag" },
      ]),
    );
    expect(done.payload).toMatchObject({
      intended: { from: "RUNNING", to: "COMPLETED" },
      validated_state: { type: "COMPLETED" },
    });
    expect(done.follows).toBe(events[1].id);
  });

  test("orchestration: PENDING→PENDING aborts, duplicate transition_id rejects, retries go through AwaitingRetry", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId, empirical_policy: { retries: 1, retry_delay: 0 } }))
      .body;
    const pending = await setState(run.id, { type: "PENDING" });
    expect(pending.status).toBe(200);
    expect(pending.body.status).toBe("ABORT");
    expect(pending.body.details.type).toBe("abort_details");

    const tid = crypto.randomUUID();
    expect((await setState(run.id, { type: "RUNNING", state_details: { transition_id: tid } })).body.status).toBe(
      "ACCEPT",
    );
    const dup = await setState(run.id, { type: "RUNNING", state_details: { transition_id: tid } });
    expect(dup.body.status).toBe("REJECT");
    expect(dup.status).toBe(200);

    const failed = await setState(run.id, { type: "FAILED", message: "boom" });
    expect(failed.status).toBe(201);
    expect(failed.body.status).toBe("REJECT");
    expect(failed.body.state).toMatchObject({ type: "SCHEDULED", name: "AwaitingRetry" });
    expect((await setState(run.id, { type: "RUNNING" })).body.status).toBe("ACCEPT");
    const final = await setState(run.id, { type: "FAILED", message: "boom again" });
    expect(final.body).toMatchObject({ status: "ACCEPT", state: { type: "FAILED", message: "boom again" } });
    const read = (await (await t.call(`/api/flow_runs/${run.id}`)).json()) as J;
    expect(read.run_count).toBe(2);
  });

  test("a future scheduled time makes RUNNING wait", async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const run = (
      await post("/api/flow_runs/", {
        flow_id: flowId,
        state: { type: "SCHEDULED", state_details: { scheduled_time: future } },
      })
    ).body;
    expect(run.state.name).toBe("Scheduled");
    expect(run.next_scheduled_start_time).not.toBeNull();
    const wait = await setState(run.id, { type: "RUNNING" });
    expect(wait.body.status).toBe("WAIT");
    expect(wait.body.details.delay_seconds).toBeGreaterThanOrEqual(58);
  });

  test("force bypasses the core rules", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId })).body;
    expect((await setState(run.id, { type: "PENDING" }, true)).body.status).toBe("ACCEPT");
  });

  test("filter, sort, count, paginate, history", async () => {
    const other = (await post("/api/flows/", { name: "other-flow" })).body.id;
    await post("/api/flow_runs/", { flow_id: other, name: "zzz-tagged", tags: ["nightly", "prod"] });
    const byTag = await post("/api/flow_runs/filter", { flow_runs: { tags: { all_: ["nightly"] } } });
    expect(byTag.body.map((r: J) => r.name)).toEqual(["zzz-tagged"]);
    const byFlow = await post("/api/flow_runs/filter", { flows: { name: { any_: ["other-flow"] } } });
    expect(byFlow.body).toHaveLength(1);
    const byState = await post("/api/flow_runs/count", {
      flow_runs: { name: { any_: ["full", "zzz-tagged"] }, state: { type: { any_: ["COMPLETED"] } } },
    });
    expect(byState.body).toBe(1);
    const notRunning = await post("/api/flow_runs/count", {
      flow_runs: { name: { any_: ["full"] }, state: { type: { not_any_: ["COMPLETED"] } } },
    });
    expect(notRunning.body).toBe(0);
    const byName = await post("/api/flow_runs/filter", { flow_runs: { name: { like_: "ZZZ" } }, sort: "NAME_ASC" });
    expect(byName.body).toHaveLength(1);
    const all = await post("/api/flow_runs/count", {});
    const page = await post("/api/flow_runs/paginate", { limit: 2, page: 1, sort: "EXPECTED_START_TIME_DESC" });
    expect(page.body).toMatchObject({ count: all.body, limit: 2, page: 1, pages: Math.ceil(all.body / 2) });
    expect(page.body.results).toHaveLength(2);
    const offset = await post("/api/flow_runs/filter", { limit: 1, offset: 1, sort: "NAME_DESC" });
    expect(offset.body).toHaveLength(1);
    const now = Date.now(); // one reading: two would make the span a hair over 2 h and add a bucket
    const start = new Date(now - 3600_000).toISOString();
    const end = new Date(now + 3600_000).toISOString();
    const hist = await post("/api/flow_runs/history", {
      history_start: start,
      history_end: end,
      history_interval: 600,
    });
    expect(hist.status).toBe(200);
    expect(hist.body).toHaveLength(12);
    const counted = hist.body.flatMap((b: J) => b.states).reduce((n: number, s: J) => n + s.count_runs, 0);
    expect(counted).toBeGreaterThan(0);
  });

  test("START_TIME sorts use the expected start for runs that have not started, as Prefect does", async () => {
    const sortFlow = (await post("/api/flows/", { name: "sort-check" })).body.id;
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const waiting = (
      await post("/api/flow_runs/", {
        flow_id: sortFlow,
        name: "waiting",
        state: { type: "SCHEDULED", state_details: { scheduled_time: hourAgo } },
      })
    ).body;
    const started = (await post("/api/flow_runs/", { flow_id: sortFlow, name: "started" })).body;
    await setState(started.id, { type: "RUNNING" });
    const byFlow = { flows: { id: { any_: [sortFlow] } } };
    const desc = await post("/api/flow_runs/filter", { ...byFlow, sort: "START_TIME_DESC" });
    expect(desc.body.map((r: J) => r.name)).toEqual(["started", "waiting"]);
    const asc = await post("/api/flow_runs/filter", { ...byFlow, sort: "START_TIME_ASC" });
    expect(asc.body.map((r: J) => r.name)).toEqual(["waiting", "started"]);
    expect(waiting.start_time).toBeNull();
  });

  test("runs in several states, sorted and paged, come in the same order as one sort of all of them", async () => {
    const flow = (await post("/api/flows/", { name: "multi-state-sort" })).body.id;
    const types = ["SCHEDULED", "RUNNING", "FAILED", "COMPLETED"];
    const made: J[] = [];
    for (let i = 0; i < 24; i++) {
      // Expected starts spread over time, some equal (ties broken by id), each run in one of four states.
      const at = new Date(Date.UTC(2026, 0, 1, 0, (i * 7) % 11)).toISOString();
      const run = (
        await post("/api/flow_runs/", {
          flow_id: flow,
          name: `r${i}`,
          state: { type: "SCHEDULED", state_details: { scheduled_time: at } },
        })
      ).body;
      const type = types[i % 4];
      if (type !== "SCHEDULED") await setState(run.id, { type }, true);
      made.push((await t.call(`/api/flow_runs/${run.id}`).then((r) => r.json())) as J);
    }
    const key = (r: J) => r.start_time ?? r.expected_start_time;
    const wanted = made
      .filter((r) => r.state_type === "RUNNING" || r.state_type === "FAILED" || r.state_type === "SCHEDULED")
      .sort((a, b) => (key(a) === key(b) ? (a.id < b.id ? 1 : -1) : key(a) < key(b) ? 1 : -1));
    const body = {
      flows: { id: { any_: [flow] } },
      flow_runs: { state: { type: { any_: ["RUNNING", "FAILED", "SCHEDULED", "FAILED"] } } },
      sort: "START_TIME_DESC",
    };
    for (const [offset, limit] of [
      [0, 5],
      [5, 5],
      [3, 10],
      [0, 100],
      [17, 4],
    ]) {
      const page = await post("/api/flow_runs/filter", { ...body, offset, limit });
      expect(page.status).toBe(200);
      expect(page.body.map((r: J) => r.name)).toEqual(wanted.slice(offset, offset + limit).map((r) => r.name));
    }
    const count = await post("/api/flow_runs/count", body);
    expect(count.body).toBe(wanted.length);
  });

  test("a NUL character in a search or a name is a 4xx on either database, never a 500, and nothing is stored", async () => {
    const before = (await post("/api/flow_runs/count", {})).body;
    const search = await post("/api/flow_runs/filter", { flows: { name: { like_: "a\u0000b" } } });
    const named = await post("/api/flow_runs/", { flow_id: flowId, name: "nul\u0000name" });
    const page = await t.call("/runs?flow=%00x");
    if (t.db.dialect === "pg") {
      // PostgreSQL cannot hold the character: 422 with Prefect's body, and the run was not created.
      expect(search.status).toBe(422);
      expect(search.body.exception_detail[0].msg).toContain("NUL character");
      expect(named.status).toBe(422);
      expect((await post("/api/flow_runs/count", {})).body).toBe(before);
      expect(page.status).toBe(422);
    } else {
      // SQLite stores and compares it like any other character.
      expect(search.status).toBe(200);
      expect(named.status).toBe(201);
      expect(page.status).toBe(200);
    }
  });

  test("bulk_delete removes the matching runs and their logs, nothing else", async () => {
    const keep = (await post("/api/flow_runs/", { flow_id: flowId, name: "keeper" })).body;
    const doomed: string[] = [];
    for (let i = 0; i < 3; i++)
      doomed.push((await post("/api/flow_runs/", { flow_id: flowId, tags: ["doomed"] })).body.id);
    const stamp = new Date().toISOString();
    await post(
      "/api/logs/",
      [...doomed, keep.id].map((id) => ({ name: "x", level: 20, message: "m", timestamp: stamp, flow_run_id: id })),
    );
    const before = (await post("/api/flow_runs/count", {})).body;
    const r = await post("/api/flow_runs/bulk_delete", { flow_runs: { tags: { all_: ["doomed"] } } });
    expect(r.status).toBe(200);
    expect([...r.body.deleted].sort()).toEqual([...doomed].sort());
    expect((await post("/api/flow_runs/count", {})).body).toBe(before - 3);
    expect((await post("/api/logs/filter", { logs: { flow_run_id: { any_: doomed } } })).body).toEqual([]);
    expect((await post("/api/logs/filter", { logs: { flow_run_id: { any_: [keep.id] } } })).body).toHaveLength(1);
    expect((await post("/api/flow_runs/bulk_delete", [])).status).toBe(422);
    expect(
      (await post("/api/flow_runs/bulk_delete", { flow_runs: { tags: { all_: ["nothing-has-this"] } } })).body,
    ).toEqual({ deleted: [] });
  });

  test("flows bulk_delete takes their runs with them", async () => {
    const doomedFlow = (await post("/api/flows/", { name: "doomed-flow" })).body.id;
    const run = (await post("/api/flow_runs/", { flow_id: doomedFlow })).body;
    const r = await post("/api/flows/bulk_delete", { flows: { name: { any_: ["doomed-flow"] } } });
    expect(r.body).toEqual({ deleted: [doomedFlow] });
    expect((await t.call(`/api/flows/${doomedFlow}`)).status).toBe(404);
    expect((await t.call(`/api/flow_runs/${run.id}`)).status).toBe(404);
    expect((await t.call(`/api/flows/${flowId}`)).status).toBe(200);
  });

  test("update, labels, delete", async () => {
    const run = (await post("/api/flow_runs/", { flow_id: flowId })).body;
    expect((await t.call(`/api/flow_runs/${run.id}`, { method: "PATCH", json: { name: "renamed" } })).status).toBe(204);
    expect((await t.call(`/api/flow_runs/${run.id}/labels`, { method: "PATCH", json: { team: "data" } })).status).toBe(
      204,
    );
    const read = (await (await t.call(`/api/flow_runs/${run.id}`)).json()) as J;
    expect(read.name).toBe("renamed");
    expect(read.labels).toMatchObject({ team: "data", "prefect.flow.id": flowId });
    expect((await t.call(`/api/flow_runs/${run.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await t.call(`/api/flow_runs/${run.id}`)).status).toBe(404);
    expect((await t.call(`/api/flow_runs/${run.id}`, { method: "DELETE" })).status).toBe(404);
  });

  test("bad input: 422 for wrong types and bad values, 404 for unknown ids, 409 for a missing flow; nothing stored", async () => {
    const before = (await post("/api/flow_runs/count", {})).body;
    const missing = crypto.randomUUID();
    const cases: Array<[string, string, unknown, number]> = [
      ["POST", "/api/flow_runs/", { flow_id: "nope" }, 422],
      ["POST", "/api/flow_runs/", { flow_id: flowId, tags: "x" }, 422],
      ["POST", "/api/flow_runs/", { flow_id: flowId, state: { type: "BOGUS" } }, 422],
      [
        "POST",
        "/api/flow_runs/",
        { flow_id: flowId, state: { type: "SCHEDULED", state_details: { scheduled_time: "not a date" } } },
        422,
      ],
      ["POST", "/api/flow_runs/", { flow_id: missing }, 409],
      ["POST", `/api/flow_runs/${missing}/set_state`, { state: { type: "RUNNING" } }, 404],
      ["POST", `/api/flow_runs/${missing}/set_state`, { state: {} }, 422],
      ["POST", "/api/flow_runs/filter", { limit: 201 }, 422],
      ["POST", "/api/flow_runs/filter", { sort: "SIDEWAYS" }, 422],
      ["POST", "/api/flow_runs/filter", { flow_runs: { start_time: { after_: "yesterday" } } }, 422],
      ["POST", "/api/flow_runs/history", { history_start: "x", history_end: "y", history_interval: 60 }, 422],
      ["GET", `/api/flow_runs/${missing}`, undefined, 404],
      ["GET", "/api/flow_runs/not-a-uuid", undefined, 404],
      ["PATCH", `/api/flow_runs/${missing}`, { name: "x" }, 404],
    ];
    for (const [method, path, json, status] of cases) {
      const r = await t.call(path, { method, json });
      expect({ method, path, status: r.status }).toEqual({ method, path, status });
      const body = (await r.json()) as J;
      expect(body.detail ?? body.exception_message).toBeTruthy();
    }
    const malformed = await t.call("/api/flow_runs/", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(422);
    expect((await post("/api/flow_runs/count", {})).body).toBe(before);
  });
});

describe("concurrency leases for tagged tasks (no limits defined)", async () => {
  const t = await testApp();
  afterAll(() => t.close());
  test("increment-with-lease returns a lease holding no limits; it holds nothing to renew; bad input is 422", async () => {
    const r = await t.call("/api/v2/concurrency_limits/increment-with-lease", {
      method: "POST",
      json: {
        names: ["tag:db"],
        slots: 1,
        mode: "concurrency",
        lease_duration: 60,
        holder: { type: "task_run", id: crypto.randomUUID() },
      },
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { lease_id: string; limits: unknown[] };
    expect(body.limits).toEqual([]);
    // Nothing is held, so nothing is stored: the SDK never renews a lease without limits.
    expect(
      (
        await t.call(`/api/v2/concurrency_limits/leases/${body.lease_id}/renew`, {
          method: "POST",
          json: { lease_duration: 60 },
        })
      ).status,
    ).toBe(410);
    expect(
      (
        await t.call("/api/v2/concurrency_limits/decrement-with-lease", {
          method: "POST",
          json: { lease_id: body.lease_id },
        })
      ).status,
    ).toBe(204);
    expect(
      (await t.call(`/api/v2/concurrency_limits/leases/${body.lease_id}/renew`, { method: "POST", json: {} })).status,
    ).toBe(410);
    expect(
      (
        await t.call("/api/v2/concurrency_limits/increment-with-lease", {
          method: "POST",
          json: { names: [], slots: 1 },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await t.call("/api/v2/concurrency_limits/increment-with-lease", {
          method: "POST",
          json: { names: ["x"], slots: 0 },
        })
      ).status,
    ).toBe(422);
  });
});
