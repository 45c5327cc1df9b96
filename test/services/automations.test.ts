// Automations end to end inside the app on every dialect, with a real local receiver: a tagged flow
// run that fails fires a Reactive trigger counted in the persister's transaction, the queued
// send-notification is delivered to the Slack-format webhook (request checked field by field), an
// untagged run and a paused automation send nothing, a threshold/within window counts across events,
// a 500 then 200 receiver gets it on a retry with an attempt row per try, and the automation events
// are on the bus.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

describe.each(DIALECTS)("automations on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const seen: Array<{ method: string; path: string; headers: Record<string, string>; body: string }> = [];
  let answers: number[] = [];
  // While set, the receiver holds each request until it resolves.
  let holding: Promise<void> | null = null;
  const events: ReceivedEvent[] = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      seen.push({
        method: req.method,
        path: new URL(req.url).pathname,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
      });
      await holding;
      return new Response("ok", { status: answers.shift() ?? 200 });
    },
  });
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  let block = "";
  let flowId = "";

  beforeAll(async () => {
    t = await testApp({}, await url());
    await t.app.blocks.registerBuiltIns();
    await t.app.automations.triggers.start();
    t.app.bus.subscribe((es) => events.push(...es));
    const type = (await call("GET", "/api/block_types/slug/slack-webhook")).body;
    const schemas = (
      await call("POST", "/api/block_schemas/filter", { block_schemas: { block_type_id: { any_: [type.id] } } })
    ).body;
    const doc = await call("POST", "/api/block_documents/", {
      name: "my-slack-webhook",
      block_type_id: type.id,
      block_schema_id: schemas[0].id,
      data: { url: `http://127.0.0.1:${receiver.port}/services/T000/B000/XXXX`, notify_type: "failure" },
    });
    expect(doc.status).toBe(201);
    block = doc.body.id;
    flowId = (await call("POST", "/api/flows/", { name: "etl" })).body.id;
  });
  afterAll(async () => {
    await t.close();
    receiver.stop(true);
  });

  const notification = (name: string, extra: J = {}) => ({
    name,
    trigger: {
      type: "event",
      posture: "Reactive",
      expect: ["prefect.flow-run.Failed"],
      match: { "prefect.resource.id": "prefect.flow-run.*" },
      match_related: { "prefect.resource.id": "prefect.tag.daily-etl", "prefect.resource.role": "tag" },
      ...extra,
    },
    actions: [
      {
        type: "send-notification",
        block_document_id: block,
        subject: "{{ flow_run.name }} failed",
        body: "Flow {{ flow.name }} run {{ flow_run.name }} entered {{ flow_run.state.name }}",
      },
    ],
  });
  const runThatFails = async (tags: string[], name: string) => {
    const run = (await call("POST", "/api/flow_runs/", { flow_id: flowId, name, tags, state: { type: "RUNNING" } }))
      .body;
    const r = await call("POST", `/api/flow_runs/${run.id}/set_state`, { state: { type: "FAILED", message: "boom" } });
    expect(r.body.status).toBe("ACCEPT");
    return run.id as string;
  };
  const settle = async () => {
    await t.app.automations.triggers.ready();
    await t.app.events.flush();
    await t.app.automations.runActions();
  };

  test("a tagged failing run notifies Slack; untagged and paused ones do not", async () => {
    const a = (await call("POST", "/api/automations/", notification("daily-etl failures"))).body;
    await t.app.automations.triggers.ready();
    seen.length = 0;
    await runThatFails(["daily-etl"], "tagged-run");
    await runThatFails(["other"], "untagged-run");
    await settle();
    expect(seen.length).toBe(1);
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/services/T000/B000/XXXX");
    expect(req.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(req.headers["user-agent"]).toBe("Prefect Notifications");
    const body = JSON.parse(req.body);
    expect(body.username).toBe("Prefect Notifications");
    expect(body.attachments[0]).toMatchObject({
      title: "tagged-run failed",
      text: "Flow etl run tagged-run entered Failed",
      color: "#A32037",
      footer: "Prefect Notifications",
    });
    const names = events.map((e) => e.event);
    expect(names).toContain("prefect.automation.triggered");
    expect(names).toContain("prefect.automation.action.triggered");
    expect(names).toContain("prefect.automation.action.executed");
    const recent = await t.app.stores.automationActions.recent(a.id, 10);
    expect(recent.map((x) => x.status)).toEqual(["DELIVERED"]);
    expect(recent[0]!.attempts_log.map((x) => x.response_code)).toEqual([200]);

    expect((await call("PATCH", `/api/automations/${a.id}`, { enabled: false })).status).toBe(204);
    seen.length = 0;
    await runThatFails(["daily-etl"], "while-paused");
    await settle();
    expect(seen.length).toBe(0);
    await call("DELETE", `/api/automations/${a.id}`);
  });

  test("automations that match every event do not feed on each other's events", async () => {
    // The shape the fuzzer made: a storm of triggered/action events filled a 39 GB database.
    const everything = (name: string) => ({
      name,
      trigger: { type: "event", posture: "Reactive", expect: [], match: {}, threshold: 1, within: 0 },
      actions: [{ type: "do-nothing" }],
    });
    const made = [
      (await call("POST", "/api/automations/", everything("all-a"))).body,
      (await call("POST", "/api/automations/", everything("all-b"))).body,
    ];
    // "Tell me when all-a fired" still works: one hop, named explicitly.
    const watcher = (
      await call("POST", "/api/automations/", {
        name: "watch-a",
        trigger: {
          type: "event",
          posture: "Reactive",
          expect: ["prefect.automation.triggered"],
          match: { "prefect.resource.id": `prefect.automation.${made[0].id}` },
          threshold: 1,
          within: 0,
        },
        actions: [{ type: "do-nothing" }],
      })
    ).body;
    await t.app.automations.triggers.ready();
    const before = events.filter((e) => e.event === "prefect.automation.triggered").length;
    await call("POST", "/api/events", [
      {
        id: crypto.randomUUID(),
        occurred: new Date().toISOString(),
        event: "external.ping",
        resource: { "prefect.resource.id": "external.thing" },
      },
    ]);
    for (let i = 0; i < 3; i++) await settle();
    const fired = events
      .filter((e) => e.event === "prefect.automation.triggered")
      .slice(before)
      .map((e) => e.resource["prefect.resource.name"])
      .sort();
    expect(fired).toEqual(["all-a", "all-b", "watch-a"]);
    for (const a of [...made, watcher]) await call("DELETE", `/api/automations/${a.id}`);
  });

  test("the persister writes at once the events an automation awaits, and batches the rest", async () => {
    const a = (await call("POST", "/api/automations/", notification("awaited"))).body;
    await t.app.automations.triggers.ready();
    const urgent = t.app.events.services.persister.urgent!;
    const ev = (name: string) =>
      ({
        id: crypto.randomUUID(),
        occurred: new Date().toISOString(),
        event: name,
        resource: { "prefect.resource.id": "prefect.flow-run.x" },
        related: [],
        payload: {},
      }) as unknown as ReceivedEvent;
    expect(urgent(ev("prefect.flow-run.Failed"))).toBe(true);
    expect(urgent(ev("prefect.flow-run.Running"))).toBe(false);
    await call("DELETE", `/api/automations/${a.id}`);
    await t.app.automations.triggers.ready();
    expect(t.app.events.services.persister.urgent!(ev("prefect.flow-run.Failed"))).toBe(false);
  });

  test("threshold within a window: the second failure fires once, the third waits for the next window", async () => {
    const a = (await call("POST", "/api/automations/", notification("two failures", { threshold: 2, within: 60 })))
      .body;
    await t.app.automations.triggers.ready();
    seen.length = 0;
    await runThatFails(["daily-etl"], "first");
    await settle();
    expect(seen.length).toBe(0);
    await runThatFails(["daily-etl"], "second");
    await settle();
    expect(seen.length).toBe(1);
    // The window is spent until its end: a third failure does not fire again.
    await runThatFails(["daily-etl"], "third");
    await settle();
    expect(seen.length).toBe(1);
    await call("DELETE", `/api/automations/${a.id}`);
  });

  test("a receiver answering 500 then 200 gets the message on a retry; attempts are recorded", async () => {
    const a = (await call("POST", "/api/automations/", notification("retried"))).body;
    await t.app.automations.triggers.ready();
    seen.length = 0;
    answers = [500];
    await runThatFails(["daily-etl"], "retry-run");
    await settle();
    expect(seen.length).toBe(1);
    let recent = await t.app.stores.automationActions.recent(a.id, 10);
    expect(recent[0]!.status).toBe("PENDING");
    // The retry is due after its backoff (1 s for the first).
    await Bun.sleep(1100);
    await t.app.automations.runActions();
    expect(seen.length).toBe(2);
    recent = await t.app.stores.automationActions.recent(a.id, 10);
    expect(recent[0]!.status).toBe("DELIVERED");
    expect(recent[0]!.attempts_log.map((x) => [x.status, x.response_code])).toEqual([
      ["FAILURE", 500],
      ["SUCCESS", 200],
    ]);
    await call("DELETE", `/api/automations/${a.id}`);
  });

  test("a stopping server ends the actions pass after its batch; the rest are delivered after", async () => {
    const a = (await call("POST", "/api/automations/", notification("backlog"))).body;
    await t.app.automations.triggers.ready();
    const actions = t.app.automations.runActions;
    actions.halt(); // the firings' nudges perform nothing: 30 actions wait in the queue
    for (let i = 0; i < 30; i++) await runThatFails(["daily-etl"], `backlog-${i}`);
    await t.app.events.flush();
    expect(await actions()).toBe("");
    actions.resume();
    seen.length = 0;
    let release = () => {};
    holding = new Promise((r) => {
      release = r;
    });
    const pass = actions();
    while (seen.length < 20) await Bun.sleep(10); // the first batch of 20 is at the receiver
    actions.halt();
    release();
    holding = null;
    await pass;
    // Before, a pass drained the whole queue: a backlog held a stopping server for half an hour.
    expect(seen.length).toBe(20);
    actions.resume();
    await actions();
    const subjects = seen.map((r) => JSON.parse(r.body).attachments[0].title).sort();
    expect(subjects).toEqual(Array.from({ length: 30 }, (_, i) => `backlog-${i} failed`).sort());
    await call("DELETE", `/api/automations/${a.id}`);
  });

  test("an automation deleted while its notification is in flight: the pass goes on", async () => {
    const a = (await call("POST", "/api/automations/", notification("deleted mid-flight"))).body;
    await t.app.automations.triggers.ready();
    const actions = t.app.automations.runActions;
    actions.halt();
    await runThatFails(["daily-etl"], "mid-flight");
    await t.app.events.flush();
    actions.resume();
    seen.length = 0;
    let release = () => {};
    holding = new Promise((r) => {
      release = r;
    });
    const pass = actions();
    while (seen.length < 1) await Bun.sleep(10);
    expect((await call("DELETE", `/api/automations/${a.id}`)).status).toBe(204);
    release();
    holding = null;
    // Before, recording the attempt on the cascaded-away action failed the whole pass.
    await expect(pass).resolves.toBeDefined();
    expect(await t.app.stores.automationActions.recent(a.id, 10)).toEqual([]);
  });

  test("a 2.x notification policy is an automation: CRUD, filter quirk, 422s, and it notifies", async () => {
    const bad = await call("POST", "/api/flow_run_notification_policies/", {
      state_names: ["Failed"],
      tags: [],
      block_document_id: block,
      message_template: "{nope}",
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("Invalid template variable provided: 'nope'");
    const created = await call("POST", "/api/flow_run_notification_policies/", {
      state_names: ["Failed"],
      tags: ["daily-etl"],
      block_document_id: block,
      message_template: "Run {flow_run_name} is {flow_run_state_name}",
    });
    expect(created.status).toBe(201);
    const p = created.body;
    expect(p).toMatchObject({
      is_active: true,
      state_names: ["Failed"],
      tags: ["daily-etl"],
      message_template: "Run {flow_run_name} is {flow_run_state_name}",
    });
    expect((await call("GET", `/api/flow_run_notification_policies/${p.id}`)).body).toEqual(p);
    expect((await call("GET", `/api/automations/${p.id}`)).body.actions[0].body).toBe(
      "Run {{ flow_run.name }} is {{ flow_run.state.name }}",
    );
    await t.app.automations.triggers.ready();
    seen.length = 0;
    await runThatFails(["daily-etl"], "policy-run");
    await settle();
    expect(seen.length).toBe(1);
    expect(JSON.parse(seen[0]!.body).attachments[0]).toMatchObject({
      title: "Prefect flow run notification",
      text: "Run policy-run is Failed",
    });
    expect((await call("POST", "/api/flow_run_notification_policies/filter", {})).body.map((x: any) => x.id)).toEqual([
      p.id,
    ]);
    // Prefect's quirk: a filter object without is_active finds the inactive ones only.
    expect(
      (await call("POST", "/api/flow_run_notification_policies/filter", { flow_run_notification_policy_filter: {} }))
        .body,
    ).toEqual([]);
    expect((await call("PATCH", `/api/flow_run_notification_policies/${p.id}`, { is_active: false })).status).toBe(204);
    expect((await call("GET", `/api/flow_run_notification_policies/${p.id}`)).body.is_active).toBe(false);
    expect((await call("DELETE", `/api/flow_run_notification_policies/${p.id}`)).status).toBe(204);
    const gone = await call("GET", `/api/flow_run_notification_policies/${p.id}`);
    expect(gone).toEqual({ status: 404, body: { detail: "flow run notification policy not found" } });
    const missingBlock = await call("POST", "/api/flow_run_notification_policies/", {
      state_names: [],
      tags: [],
      block_document_id: "00000000-0000-4000-8000-00000000dead",
    });
    expect(missingBlock.status).toBe(409);
  });
});
