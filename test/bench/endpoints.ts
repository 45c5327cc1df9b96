// The API microbench's requests, as pure functions of (context, client, sequence number), so the load
// worker process can rebuild them from a JSON context. Bodies look like what the SDK / UI send.

export interface EndpointCtx {
  /** Unique per measurement phase, so names and keys never collide with an earlier phase. */
  tag: string;
  flowId: string;
  /** Parent run for logs and task runs. */
  flowRunId: string;
  /** One run per client for set_state (client i only ever touches runIds[i]). */
  runIds: string[];
  /** ISO timestamp the phase started, used in bodies. */
  now: string;
}

export interface RequestSpec {
  method: string;
  path: string;
  body?: string;
}

export interface Endpoint {
  /** Label in the report. */
  label: string;
  make(ctx: EndpointCtx, client: number, seq: number): RequestSpec;
  /** Extra success check on a 2xx body; returns an error class or null. */
  check?(body: string): string | null;
  /** Items per request (logs per batch), for a per-item rate. */
  items?: number;
  write: boolean;
}

const post = (path: string, body: unknown): RequestSpec => ({ method: "POST", path, body: JSON.stringify(body) });

// SCHEDULED → PENDING → RUNNING → SCHEDULED … is accepted by Prefect's and prefect-lite's flow-run policy
// without force, so every request is a real orchestrated transition that writes a state.
const CYCLE = ["RUNNING", "SCHEDULED", "PENDING"] as const;

export const ENDPOINTS: Record<string, Endpoint> = {
  health: { label: "GET /health", write: false, make: () => ({ method: "GET", path: "/health" }) },
  flow_runs_filter: {
    label: "POST /flow_runs/filter",
    write: false,
    make: () =>
      post("/flow_runs/filter", {
        flow_runs: { state: { type: { any_: ["PENDING", "RUNNING", "COMPLETED", "FAILED"] } } },
        sort: "EXPECTED_START_TIME_DESC",
        limit: 50,
        offset: 0,
      }),
  },
  flow_runs_count: {
    label: "POST /flow_runs/count",
    write: false,
    make: () => post("/flow_runs/count", { flow_runs: { state: { type: { any_: ["PENDING", "RUNNING"] } } } }),
  },
  flows_create: {
    label: "POST /flows/",
    write: true,
    make: (c, i, s) => post("/flows/", { name: `bench-${c.tag}-${i}-${s}`, tags: [], labels: {} }),
  },
  flow_runs_create: {
    label: "POST /flow_runs/",
    write: true,
    make: (c, i, s) =>
      post("/flow_runs/", {
        flow_id: c.flowId,
        name: `run-${c.tag}-${i}-${s}`,
        parameters: { x: s },
        context: {},
        tags: ["bench"],
        empirical_policy: { retries: 0, retry_delay: 0 },
        state: { type: "PENDING", name: "Pending", message: null, state_details: {} },
      }),
  },
  set_state: {
    label: "POST /flow_runs/{id}/set_state",
    write: true,
    make: (c, i, s) => {
      const type = CYCLE[s % 3];
      const state: Record<string, unknown> = { type, message: null, state_details: {} };
      if (type === "SCHEDULED") {
        state.name = "AwaitingRetry";
        state.state_details = { scheduled_time: c.now };
      }
      return post(`/flow_runs/${c.runIds[i]}/set_state`, { state, force: false });
    },
    check: (body) => {
      const m = /"status"\s*:\s*"(\w+)"/.exec(body);
      return m && m[1] === "ACCEPT" ? null : `orchestration ${m?.[1] ?? "no status"}`;
    },
  },
  logs: {
    label: "POST /logs/ (100/batch)",
    write: true,
    items: 100,
    make: (c, i, s) => {
      const logs = new Array(100);
      for (let k = 0; k < 100; k++) {
        logs[k] = {
          name: "prefect.flow_runs",
          level: 20,
          message: `bench log line ${i}-${s}-${k} with some ordinary text in it`,
          timestamp: c.now,
          flow_run_id: c.flowRunId,
          task_run_id: null,
        };
      }
      return post("/logs/", logs);
    },
  },
  task_runs_create: {
    label: "POST /task_runs/",
    write: true,
    make: (c, i, s) =>
      post("/task_runs/", {
        name: `task-${s}`,
        flow_run_id: c.flowRunId,
        task_key: "bench-task",
        dynamic_key: `${c.tag}-${i}-${s}`,
        empirical_policy: { retries: 0, retry_delay: 0 },
        tags: [],
        task_inputs: {},
        state: { type: "PENDING", name: "Pending", message: null, state_details: {} },
      }),
  },
};

/** Default order: reads first (on the same small dataset for every server), then writes. */
export const DEFAULT_ENDPOINTS = [
  "flow_runs_filter",
  "flow_runs_count",
  "flows_create",
  "flow_runs_create",
  "set_state",
  "logs",
  "task_runs_create",
];
