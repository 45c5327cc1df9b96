// Deliveries of automation actions on every dialect, with a real receiver on loopback: the read-only
// GET /api/automations/{id}/deliveries route (pages, attempts, 404s, 422s); a receiver answering 500
// forever ends FAILED after the retries with backoff (shortened through the app's actionBackoffSeconds,
// the service's own dependency); a receiver that hangs holds only its own delivery, bounded by the
// request timeout, while set_state and the health probe keep answering fast; and a state change
// accepted before the app stops is delivered exactly once by the next app on the same database.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { MAX_ATTEMPTS } from "../../src/services/automation-actions.ts";
import { defaultServerConfig } from "../../src/settings/server-config.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS, freshPgUrl } from "../support/databases.ts";
import { blockDocument, callJson, failRun, notifyOnFailure, settle } from "../support/notifications.ts";

type App = Awaited<ReturnType<typeof testApp>>;
const TIMEOUT_S = 1.5;
const config = { notifications: { ...defaultServerConfig().notifications, timeoutSeconds: TIMEOUT_S } };

/** A receiver: /ok answers 200, /fail 500 forever, /hang never (until released). */
function receiver() {
  const seen: string[] = [];
  let release = () => {};
  const hung = new Promise<void>((r) => {
    release = r;
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      seen.push(`${path} ${await req.text()}`);
      if (path.startsWith("/hang")) await hung;
      return new Response(path.startsWith("/fail") ? "no" : "ok", { status: path.startsWith("/fail") ? 500 : 200 });
    },
  });
  return { server, seen, base: `http://127.0.0.1:${server.port}`, release };
}

const call = callJson;

/** A custom-webhook block posting the run's name to `url`, and a flow to make runs of. */
async function setUp(t: App, url: string) {
  await t.app.blocks.registerBuiltIns();
  await t.app.automations.triggers.start();
  const block = await blockDocument(t, "custom-webhook", `hook-${crypto.randomUUID().slice(0, 8)}`, {
    name: "hook",
    url,
    json_data: { text: "{{ body }}" },
  });
  const flowId = (await call(t, "POST", "/api/flows/", { name: "etl" })).body.id as string;
  return { block, flowId };
}

/** A running flow run and an automation notifying `block` when that run fails. */
async function watchedRun(t: App, block: string, flowId: string, name: string) {
  const run = (await call(t, "POST", "/api/flow_runs/", { flow_id: flowId, name, state: { type: "RUNNING" } })).body;
  const automationId = await notifyOnFailure(t, `notify ${name}`, [block], {
    runId: run.id,
    body: "{{ flow_run.name }}",
  });
  return { runId: run.id as string, automationId };
}

const fail = (t: App, id: string) => failRun(t, { id });

describe.each(DIALECTS)("automation deliveries on $name", ({ url }) => {
  let t: App;
  const r = receiver();
  const events: ReceivedEvent[] = [];
  let ok = { block: "", flowId: "" };
  beforeAll(async () => {
    t = await testApp(config, await url(), { actionBackoffSeconds: () => 0.05 });
    t.app.bus.subscribe((es) => events.push(...es));
    ok = await setUp(t, `${r.base}/ok`);
  });
  afterAll(async () => {
    r.release();
    await t.close();
    r.server.stop(true);
  });

  test("the deliveries route pages an automation's deliveries, newest first, with their attempts", async () => {
    const { runId: id, automationId } = await watchedRun(t, ok.block, ok.flowId, "paged");
    // Three firings of one automation: the watched run fails, runs again and fails twice more.
    for (let i = 0; i < 3; i++) {
      if (i) await call(t, "POST", `/api/flow_runs/${id}/set_state`, { state: { type: "RUNNING" }, force: true });
      await fail(t, id);
      await settle(t);
    }
    const all = await call(t, "GET", `/api/automations/${automationId}/deliveries`);
    expect(all.status).toBe(200);
    expect(all.body.length).toBe(3);
    const triggered = all.body.map((d: any) => d.triggered);
    expect(triggered).toEqual([...triggered].sort().reverse());
    for (const d of all.body) {
      expect(d).toMatchObject({
        automation_id: automationId,
        action_index: 0,
        action_type: "send-notification",
        status: "DELIVERED",
        next_attempt: null,
        attempt_count: 1,
        last_error: null,
      });
      expect(d.attempts.length).toBe(1);
      const a = d.attempts[0];
      expect(a).toMatchObject({ attempt: 1, status: "SUCCESS", response_code: 200, error: null });
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
      expect(a.created >= d.triggered).toBe(true);
    }
    const first = await call(t, "GET", `/api/automations/${automationId}/deliveries?limit=2`);
    const rest = await call(t, "GET", `/api/automations/${automationId}/deliveries?limit=2&offset=2`);
    expect([...first.body, ...rest.body].map((d: any) => d.id)).toEqual(all.body.map((d: any) => d.id));

    const unknown = await call(t, "GET", "/api/automations/00000000-0000-4000-8000-000000000000/deliveries");
    expect(unknown).toEqual({ status: 404, body: { detail: "Automation not found" } });
    expect((await call(t, "GET", "/api/automations/not-a-uuid/deliveries")).status).toBe(404);
    for (const q of [
      "limit=abc",
      "limit=-1",
      "offset=-1",
      "limit=1.5",
      `limit=${defaultServerConfig().defaultLimit + 1}`,
    ]) {
      const bad = await call(t, "GET", `/api/automations/${automationId}/deliveries?${q}`);
      expect([q, bad.status, bad.body?.exception_detail?.[0]?.loc?.[0]]).toEqual([q, 422, "query"]);
    }
    await call(t, "DELETE", `/api/automations/${automationId}`);
  });

  test("a receiver answering 500 forever: FAILED after every retry, each attempt visible", async () => {
    const failing = await setUp(t, `${r.base}/fail`);
    const { runId, automationId } = await watchedRun(t, failing.block, failing.flowId, "doomed");
    const before = r.seen.length;
    await fail(t, runId);
    await settle(t);
    const deliveries = async () => (await call(t, "GET", `/api/automations/${automationId}/deliveries`)).body;
    const deadline = Date.now() + 10_000;
    while ((await deliveries())[0]?.status !== "FAILED" && Date.now() < deadline) {
      await Bun.sleep(60);
      await t.app.automations.runActions();
    }
    const [d] = await deliveries();
    expect(d.status).toBe("FAILED");
    expect(d.next_attempt).toBeNull();
    expect(d.attempt_count).toBe(MAX_ATTEMPTS);
    expect(d.last_error).toBe(`POST ${r.base} answered 500`);
    expect(d.attempts.map((a: any) => [a.attempt, a.status, a.response_code])).toEqual(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => [i + 1, "FAILURE", 500]),
    );
    // Each retry waited for its backoff after the attempt before it.
    const times = d.attempts.map((a: any) => Date.parse(a.created));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(45);
    expect(r.seen.length - before).toBe(MAX_ATTEMPTS);
    // No more tries once it failed for good; the failure is announced once.
    await Bun.sleep(100);
    await t.app.automations.runActions();
    expect(r.seen.length - before).toBe(MAX_ATTEMPTS);
    const failed = events.filter(
      (e) =>
        e.event === "prefect.automation.action.failed" && e.resource["prefect.resource.id"]?.endsWith(automationId),
    );
    expect(failed.length).toBe(1);
    expect((await call(t, "GET", "/api/health")).status).toBe(200);
    await call(t, "DELETE", `/api/automations/${automationId}`);
  });

  test("a hanging receiver holds only its own delivery: set_state answers fast meanwhile", async () => {
    const hanging = await setUp(t, `${r.base}/hang`);
    const { runId, automationId } = await watchedRun(t, hanging.block, hanging.flowId, "stuck");
    const hits = r.seen.length;
    await fail(t, runId);
    await t.app.automations.triggers.ready();
    await t.app.events.flush();
    const started = performance.now();
    const pass = t.app.automations.runActions();
    while (r.seen.length === hits) await Bun.sleep(5);
    // While the delivery waits on the receiver, orchestration and the health probe answer at once.
    const slowest: number[] = [];
    for (let i = 0; i < 10; i++) {
      const run = (
        await call(t, "POST", "/api/flow_runs/", { flow_id: ok.flowId, name: `busy-${i}`, state: { type: "PENDING" } })
      ).body;
      const t0 = performance.now();
      const res = await call(t, "POST", `/api/flow_runs/${run.id}/set_state`, { state: { type: "RUNNING" } });
      expect(res.body.status).toBe("ACCEPT");
      expect((await call(t, "GET", "/api/health")).status).toBe(200);
      slowest.push(performance.now() - t0);
    }
    expect(performance.now() - started).toBeLessThan(TIMEOUT_S * 1000);
    // A call that waited on the receiver would take the whole request timeout.
    expect(Math.max(...slowest)).toBeLessThan((TIMEOUT_S * 1000) / 3);
    // The request timeout ends the attempt: a failure without a response code, retried later.
    await pass;
    const [d] = (await call(t, "GET", `/api/automations/${automationId}/deliveries`)).body;
    expect(d.status).toBe("PENDING");
    expect(d.attempts.length).toBeGreaterThanOrEqual(1);
    for (const a of d.attempts) {
      expect(a).toMatchObject({ status: "FAILURE", response_code: null });
      expect(a.error).toContain(`Request to ${r.base} failed`);
    }
    expect(d.attempts[0].duration_ms).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 50);
    expect(d.attempts[0].duration_ms).toBeLessThan(TIMEOUT_S * 1000 + 1000);
    await call(t, "DELETE", `/api/automations/${automationId}`);
  });
});

describe.each(DIALECTS)("a restart between a state change and its delivery on $name", ({ name }) => {
  const r = receiver();
  const dir = mkdtempSync(join(tmpdir(), "pl-deliveries-"));
  afterAll(() => {
    r.server.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the next app on the same database delivers it exactly once", async () => {
    // A file, not :memory:, so a second app opens the same SQLite database.
    const dbUrl = name === "sqlite" ? `sqlite+aiosqlite:///${join(dir, "prefect.db")}` : await freshPgUrl();
    const first = await testApp(config, dbUrl);
    const { block, flowId } = await setUp(first, `${r.base}/ok`);
    const { runId, automationId } = await watchedRun(first, block, flowId, "before-restart");
    first.app.automations.runActions.halt(); // the server is stopping: it delivers nothing more
    await fail(first, runId);
    await first.close();
    expect(r.seen).toEqual([]);

    for (let i = 0; i < 2; i++) {
      const next = await testApp(config, dbUrl);
      await next.app.automations.triggers.start();
      await next.app.automations.triggers.ready();
      await next.app.events.flush();
      await next.app.automations.runActions();
      const deliveries = (await call(next, "GET", `/api/automations/${automationId}/deliveries`)).body;
      expect(deliveries.map((d: any) => [d.status, d.attempts.length])).toEqual([["DELIVERED", 1]]);
      await next.close();
    }
    expect(r.seen).toEqual([`/ok ${JSON.stringify({ text: "before-restart" })}`]);
  });
});
