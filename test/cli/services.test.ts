// Services through the binary, as a user runs it: `server start` runs Prefect's services on their
// settings' schedules, PREFECT_SERVER_SERVICES_<NAME>_ENABLED=false switches one off, and --no-services
// switches off all of Prefect's (the database upkeep still runs), as Prefect's server does.
import { afterEach, describe, expect, test } from "bun:test";
import { startServer, tempHome } from "../support/binary.ts";

type Server = Awaited<ReturnType<typeof startServer>>;
let server: Server | null = null;
afterEach(async () => {
  server?.proc.kill("SIGTERM");
  await server?.proc.exited;
  server = null;
});

const FAST = {
  PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS: "0.2",
  PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS: "0",
};

async function api(path: string, init: { method?: string; json?: unknown } = {}) {
  const r = await fetch(`${server!.base}/api${path}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return r.status === 204 ? null : await r.json();
}

/** A run whose scheduled start was a minute ago: MarkLateRuns should make it Late. */
async function dueRun(): Promise<string> {
  const flow = (await api("/flows/", { method: "POST", json: { name: "svc" } })) as { id: string };
  const past = new Date(Date.now() - 60_000).toISOString();
  const run = (await api("/flow_runs/", {
    method: "POST",
    json: { flow_id: flow.id, state: { type: "SCHEDULED", state_details: { scheduled_time: past } } },
  })) as { id: string };
  return run.id;
}

async function stateName(id: string): Promise<string> {
  return ((await api(`/flow_runs/${id}`)) as { state: { name: string } }).state.name;
}

async function serviceRow(name: string): Promise<string> {
  const page = await (await fetch(`${server!.base}/settings`)).text();
  const at = page.indexOf(`data-service="${name}"`);
  expect(at).toBeGreaterThan(-1);
  return page.slice(at, page.indexOf("</tr>", at));
}

describe("services in the running server", () => {
  test("by default MarkLateRuns runs on its loop and marks a due run Late", async () => {
    server = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      ...FAST,
    });
    const id = await dueRun();
    for (let i = 0; i < 50 && (await stateName(id)) !== "Late"; i++) await Bun.sleep(100);
    expect(await stateName(id)).toBe("Late");
    const row = await serviceRow("MarkLateRuns");
    expect(row).toContain('<td class="service-state">running</td>');
    expect(row).toContain("run(s) marked late");
    expect(await serviceRow("TaskRunRecorder")).toContain('<td class="service-state">running</td>');
  });

  test("PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED=false leaves the run Scheduled and says so", async () => {
    server = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      ...FAST,
      PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED: "false",
    });
    const id = await dueRun();
    await Bun.sleep(1000);
    expect(await stateName(id)).toBe("Scheduled");
    expect(await serviceRow("MarkLateRuns")).toContain('<td class="service-state">disabled by its setting</td>');
    expect(await serviceRow("CancellationCleanup")).toContain('<td class="service-state">running</td>');
  });

  test("each service's _ENABLED=false switches it off, and only it", async () => {
    const names: Record<string, string> = {
      CANCELLATION_CLEANUP: "CancellationCleanup",
      EVENT_PERSISTER: "EventPersister",
      LATE_RUNS: "MarkLateRuns",
      PAUSE_EXPIRATIONS: "FailExpiredPauses",
      TASK_RUN_RECORDER: "TaskRunRecorder",
    };
    for (const [key, name] of Object.entries(names)) {
      server = await startServer({
        PREFECT_HOME: tempHome(),
        PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
        [`PREFECT_SERVER_SERVICES_${key}_ENABLED`]: "false",
      });
      for (const other of Object.values(names)) {
        const expected = other === name ? "disabled by its setting" : "running";
        expect({
          off: key,
          other,
          row: (await serviceRow(other)).includes(`<td class="service-state">${expected}</td>`),
        }).toEqual({ off: key, other, row: true });
      }
      server.proc.kill("SIGTERM");
      await server.proc.exited;
      server = null;
    }
  });

  test("ProactiveTriggers runs every PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY, under the triggers' flag", async () => {
    server = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY: "0.2",
    });
    await Bun.sleep(500);
    const row = await serviceRow("ProactiveTriggers");
    expect(row).toContain('<td class="service-state">running</td>');
    expect(row).toContain("200ms");
    server.proc.kill("SIGTERM");
    await server.proc.exited;
    server = await startServer({
      PREFECT_HOME: tempHome(),
      PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:",
      PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED: "false",
    });
    expect(await serviceRow("ProactiveTriggers")).toContain('<td class="service-state">disabled by its setting</td>');
  });

  test("--no-services: Prefect's services are off (events are not stored, no run turns Late); upkeep runs", async () => {
    const home = tempHome();
    server = await startServer({ PREFECT_HOME: home, ...FAST }, ["--no-services"]);
    const id = await dueRun();
    await Bun.sleep(1000);
    expect(await stateName(id)).toBe("Scheduled");
    for (const name of [
      "MarkLateRuns",
      "FailExpiredPauses",
      "CancellationCleanup",
      "EventPersister",
      "TaskRunRecorder",
    ]) {
      expect(await serviceRow(name)).toContain('<td class="service-state">off (--no-services)</td>');
    }
    expect(await serviceRow("Planner statistics")).toContain('<td class="service-state">running</td>');
    expect(await serviceRow("WAL checkpointer")).toContain('<td class="service-state">running</td>');
    const events = (await api("/events/filter", { method: "POST", json: {} })) as { events: unknown[] };
    expect(events.events).toEqual([]);
  });
});
