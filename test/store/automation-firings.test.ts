// The firings the dashboard shows, on every dialect, from real triggers over the real app: which
// automations fired for a flow run (its triggering event is about the run, directly or behind the
// automation's own triggered event for actions_on_trigger), bounded by the run's creation, and when
// each automation last fired.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addSeconds } from "../../src/core/time.ts";
import { uuidv7Floor } from "../../src/store/automation-actions.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("automation firings on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    expect({ path, status: r.status < 400 ? "ok" : text }).toEqual({ path, status: "ok" });
    return text ? JSON.parse(text) : null;
  };
  const onFailure = (name: string, actions: string) => ({
    name,
    trigger: { type: "event", posture: "Reactive", expect: ["prefect.flow-run.Failed"], match: {} },
    actions: actions === "actions" ? [{ type: "do-nothing" }] : [],
    actions_on_trigger: actions === "on_trigger" ? [{ type: "do-nothing" }] : [],
  });
  let flowId = "";

  beforeAll(async () => {
    t = await testApp({}, await url());
    await t.app.automations.triggers.start();
    flowId = (await call("POST", "/api/flows/", { name: "etl" })).id;
  });
  afterAll(async () => {
    // The queued do-nothing actions are performed before the database closes under them.
    await t.app.automations.runActions();
    await t.close();
  });

  const run = async (state: "FAILED" | "COMPLETED") => {
    const r = await call("POST", "/api/flow_runs/", { flow_id: flowId, state: { type: "RUNNING" } });
    await call("POST", `/api/flow_runs/${r.id}/set_state`, { state: { type: state } });
    return r as { id: string; created: string };
  };

  test("the automations that fired for a run, and when each last fired", async () => {
    const direct = await call("POST", "/api/automations/", onFailure("direct", "actions"));
    const behind = await call("POST", "/api/automations/", onFailure("behind", "on_trigger"));
    const idle = await call("POST", "/api/automations/", { ...onFailure("idle", "actions"), enabled: false });
    await t.app.automations.triggers.ready();
    const failed = await run("FAILED");
    const other = await run("FAILED");
    const fine = await run("COMPLETED");
    await t.app.events.flush();
    await t.app.automations.triggers.ready();

    const actions = t.app.stores.automationActions;
    const fired = await actions.firedFor(`prefect.flow-run.${failed.id}`, failed.created);
    expect(fired.map((f) => f.automation_id).sort()).toEqual([direct.id, behind.id].sort());
    expect(fired.map((f) => f.actions)).toEqual([1, 1]);
    for (const f of fired) expect(f.last >= failed.created).toBe(true);
    expect((await actions.firedFor(`prefect.flow-run.${other.id}`, other.created)).length).toBe(2);
    expect(await actions.firedFor(`prefect.flow-run.${fine.id}`, fine.created)).toEqual([]);
    // Firings before the run's creation (less the minute's slack) are not read.
    expect(await actions.firedFor(`prefect.flow-run.${failed.id}`, addSeconds(failed.created, 120))).toEqual([]);
    // A finished run's firings are looked for up to a day after its end, and not past it.
    expect((await actions.firedFor(`prefect.flow-run.${failed.id}`, failed.created, failed.created)).length).toBe(2);
    const dayBefore = addSeconds(failed.created, -86_400 - 120);
    expect(await actions.firedFor(`prefect.flow-run.${failed.id}`, addSeconds(dayBefore, -60), dayBefore)).toEqual([]);

    const last = await actions.lastFired([direct.id, behind.id, idle.id]);
    expect([...last.keys()].sort()).toEqual([direct.id, behind.id].sort());
    expect(last.get(direct.id)! >= other.created).toBe(true);
    expect(await actions.lastFired([])).toEqual(new Map());
  });

  test("uuidv7Floor sorts below every UUIDv7 of its millisecond and above earlier ones", () => {
    const now = new Date().toISOString();
    const id = Bun.randomUUIDv7("hex", new Date(now));
    expect(uuidv7Floor(now) <= id).toBe(true);
    expect(uuidv7Floor(addSeconds(now, 0.002)) > id).toBe(true);
  });
});
