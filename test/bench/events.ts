// Events: task-run state events streamed through the /api/events/in websocket the way the SDK does it
// (subprotocol "prefect", an auth frame, then one JSON event per frame), then how fast the server
// persists them (POST /events/filter → total) and records the task runs from them
// (POST /task_runs/count, Completed). Servers in turn, the idle ones SIGSTOPped.
import { join } from "node:path";
import {
  api,
  freshDb,
  logServerStart,
  serverLogProblems,
  startServer,
  type PgCluster,
  type RunningServer,
  type ServerName,
} from "./servers.ts";
import { log, sleep } from "./util.ts";

export interface EventsOptions {
  servers: ServerName[];
  taskRuns: number;
  work: string;
  pg: PgCluster | null;
  quick: boolean;
}

export interface EventsResult {
  server: ServerName;
  events: number;
  sendMs: number | null;
  sendPerS: number | null;
  persistedMs: number | null;
  persistedPerS: number | null;
  recordedMs: number | null;
  recordedPerS: number | null;
  finalEvents: number | null;
  finalCompleted: number | null;
  /** Counts stopped moving before reaching the totals: the rest was lost. */
  stalled?: boolean;
  error: string | null;
  log: ReturnType<typeof serverLogProblems> | null;
}

export interface EventsPart {
  taskRuns: number;
  timeoutS: number;
  results: EventsResult[];
}

const STATES = [
  { type: "PENDING", name: "Pending" },
  { type: "RUNNING", name: "Running" },
  { type: "COMPLETED", name: "Completed" },
] as const;

/** The three events of one task run, shaped like prefect.utilities.engine.emit_task_run_state_change_event. */
function taskRunEvents(
  k: number,
  flow: { id: string; name: string },
  run: { id: string; name: string },
  t0: number,
): string[] {
  const trId = crypto.randomUUID();
  const name = `bench-task-${k}`;
  const out: string[] = [];
  let prev: string | null = null;
  const expected = new Date(t0).toISOString();
  for (let s = 0; s < 3; s++) {
    const id = Bun.randomUUIDv7();
    const occurred = new Date(t0 + s).toISOString();
    const st = STATES[s];
    const initial = s ? STATES[s - 1] : null;
    const taskRun: Record<string, unknown> = {
      name,
      task_key: "bench_events-noop",
      dynamic_key: String(k),
      cache_key: null,
      cache_expiration: null,
      task_version: null,
      empirical_policy: {
        max_retries: 0,
        retry_delay_seconds: 0,
        retries: 0,
        retry_delay: 0,
        retry_jitter_factor: null,
      },
      tags: [],
      labels: {},
      task_inputs: {},
      state_timestamp: occurred,
      run_count: s ? 1 : 0,
      flow_run_run_count: 1,
      expected_start_time: expected,
      total_run_time: 0.0,
    };
    if (s >= 1) taskRun.start_time = new Date(t0 + 1).toISOString();
    if (s === 2) taskRun.end_time = occurred;
    out.push(
      JSON.stringify({
        id,
        occurred,
        event: `prefect.task-run.${st.name}`,
        resource: {
          "prefect.resource.id": `prefect.task-run.${trId}`,
          "prefect.resource.name": name,
          "prefect.run-count": String(s ? 1 : 0),
          "prefect.state-message": "",
          "prefect.state-name": st.name,
          "prefect.state-timestamp": occurred,
          "prefect.state-type": st.type,
          "prefect.orchestration": "client",
        },
        related: [
          {
            "prefect.resource.id": `prefect.flow-run.${run.id}`,
            "prefect.resource.role": "flow-run",
            "prefect.resource.name": run.name,
          },
          {
            "prefect.resource.id": `prefect.flow.${flow.id}`,
            "prefect.resource.role": "flow",
            "prefect.resource.name": flow.name,
          },
        ],
        payload: {
          intended: { from: initial?.type ?? null, to: st.type },
          initial_state: initial ? { type: initial.type, name: initial.name, message: "", state_details: {} } : null,
          validated_state: { type: st.type, name: st.name, message: "", state_details: {}, data: null },
          task_run: taskRun,
        },
        follows: prev,
      }),
    );
    prev = id;
  }
  return out;
}

async function openSocket(s: RunningServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/events/in`, "prefect");
    const timer = setTimeout(() => reject(new Error("websocket: no auth_success within 10 s")), 10_000);
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: null }));
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data));
      clearTimeout(timer);
      if (msg.type === "auth_success") resolve(ws);
      else reject(new Error(`websocket: ${String(m.data).slice(0, 200)}`));
    };
    ws.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`websocket: ${(e as ErrorEvent).message ?? "error"}`));
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      reject(new Error(`websocket closed ${e.code} ${e.reason}`));
    };
  });
}

async function countEvents(s: RunningServer, runId: string, since: string): Promise<number | null> {
  try {
    const r = await api(
      s,
      "POST",
      "/events/filter",
      {
        filter: {
          occurred: { since, until: new Date(Date.now() + 3600_000).toISOString() },
          related: { id: [`prefect.flow-run.${runId}`] },
          event: { prefix: ["prefect.task-run."] },
        },
        limit: 1,
      },
      1,
    );
    return typeof r?.total === "number" ? r.total : null;
  } catch {
    return null;
  }
}

async function countCompleted(s: RunningServer, runId: string): Promise<number | null> {
  try {
    return await api(
      s,
      "POST",
      "/task_runs/count",
      { task_runs: { flow_run_id: { any_: [runId] }, state: { type: { any_: ["COMPLETED"] } } } },
      1,
    );
  } catch {
    return null;
  }
}

async function measure(s: RunningServer, taskRuns: number, timeoutS: number): Promise<EventsResult> {
  const r: EventsResult = {
    server: s.name,
    events: taskRuns * 3,
    sendMs: null,
    sendPerS: null,
    persistedMs: null,
    persistedPerS: null,
    recordedMs: null,
    recordedPerS: null,
    finalEvents: null,
    finalCompleted: null,
    error: null,
    log: null,
  };
  const flow = await api(s, "POST", "/flows/", { name: "bench-events" });
  const run = await api(s, "POST", "/flow_runs/", {
    flow_id: flow.id,
    name: `bench-events-${Date.now()}`,
    state: { type: "RUNNING" },
  });
  const since = new Date(Date.now() - 60_000).toISOString();
  const base = Date.now();
  const frames: string[] = [];
  for (let k = 0; k < taskRuns; k++) frames.push(...taskRunEvents(k, flow, run, base + k * 3));
  let ws: WebSocket;
  try {
    ws = await openSocket(s);
  } catch (e) {
    r.error = (e as Error).message;
    return r;
  }
  let closed: string | null = null;
  ws.onclose = (e) => (closed = `closed ${e.code} ${e.reason}`);
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    if (closed) break;
    ws.send(frames[i]);
    while (ws.bufferedAmount > 1 << 20 && !closed) await sleep(1);
  }
  while (ws.bufferedAmount > 0 && !closed && performance.now() - t0 < timeoutS * 1000) await sleep(1);
  const sent = performance.now();
  if (closed) r.error = `websocket ${closed} while sending`;
  r.sendMs = sent - t0;
  r.sendPerS = frames.length / (r.sendMs / 1000);
  const deadline = t0 + timeoutS * 1000;
  // Counts that stop moving for STALL_MS mean the rest is lost (Prefect drops messages beyond its
  // in-memory queue of 10 000): stop waiting and report what arrived, at the rate it arrived.
  const STALL_MS = 20_000;
  let lastEvChange = t0;
  let lastTrChange = t0;
  while (performance.now() < deadline) {
    const [ev, done] = await Promise.all([
      r.persistedMs === null ? countEvents(s, run.id, since) : Promise.resolve(r.finalEvents),
      r.recordedMs === null ? countCompleted(s, run.id) : Promise.resolve(r.finalCompleted),
    ]);
    const now = performance.now();
    if (ev !== r.finalEvents) lastEvChange = now;
    if (done !== r.finalCompleted) lastTrChange = now;
    r.finalEvents = ev;
    r.finalCompleted = done;
    if (now - Math.max(lastEvChange, lastTrChange) > STALL_MS && (ev ?? 0) + (done ?? 0) > 0) {
      r.stalled = true;
      break;
    }
    if (r.persistedMs === null && ev !== null && ev >= frames.length) r.persistedMs = now - t0;
    if (r.recordedMs === null && done !== null && done >= taskRuns) r.recordedMs = now - t0;
    const evDone = r.persistedMs !== null || ev === null;
    const trDone = r.recordedMs !== null || done === null;
    if (evDone && trDone) break;
    await sleep(100);
  }
  ws.close();
  // Not finished within the timeout: the rate so far (marked partial in the report).
  r.persistedPerS =
    r.persistedMs !== null
      ? frames.length / (r.persistedMs / 1000)
      : r.finalEvents
        ? r.finalEvents / ((lastEvChange - t0) / 1000)
        : null;
  r.recordedPerS =
    r.recordedMs !== null
      ? frames.length / (r.recordedMs / 1000)
      : r.finalCompleted
        ? (3 * r.finalCompleted) / ((lastTrChange - t0) / 1000)
        : null;
  return r;
}

export async function runEvents(o: EventsOptions): Promise<EventsPart> {
  const timeoutS = o.quick ? 60 : 120;
  const results: EventsResult[] = [];
  const started: RunningServer[] = [];
  try {
    for (const name of o.servers) {
      for (const s of started) s.pause();
      const s = await startServer(name, {
        db: freshDb(name, o.work, "events", o.pg),
        home: join(o.work, `${name}-events-home`),
      });
      logServerStart(s);
      started.push(s);
    }
    for (const s of started) s.pause();
    for (const s of started) {
      s.resume();
      let r: EventsResult;
      try {
        r = await measure(s, o.taskRuns, timeoutS);
      } catch (e) {
        r = {
          server: s.name,
          events: o.taskRuns * 3,
          sendMs: null,
          sendPerS: null,
          persistedMs: null,
          persistedPerS: null,
          recordedMs: null,
          recordedPerS: null,
          finalEvents: null,
          finalCompleted: null,
          error: (e as Error).message,
          log: null,
        };
      }
      results.push(r);
      log(
        `events ${s.name.padEnd(14)} ${r.error ? `ERROR ${r.error}` : `sent ${r.events} at ${r.sendPerS?.toFixed(0)}/s`}; persisted ${r.persistedMs === null ? `not reached (${r.finalEvents})` : `after ${(r.persistedMs / 1000).toFixed(2)} s`}; recorded ${
          r.recordedMs === null ? `not reached (${r.finalCompleted})` : `after ${(r.recordedMs / 1000).toFixed(2)} s`
        }`,
      );
      s.pause();
    }
  } finally {
    for (const s of started) {
      await s.stop();
      const r = results.find((x) => x.server === s.name);
      if (r) r.log = serverLogProblems(s);
    }
  }
  return { taskRuns: o.taskRuns, timeoutS, results };
}
