// Writes src/api/prefect-routes.json: every route Prefect's server has, from its published OpenAPI
// schema (../shared/reference/prefect-openapi.json) plus the routes the schema leaves out — the /ui/*
// routes Prefect's dashboard calls and the WebSockets. The server answers each one it does not route
// yet with a 501 that names it (src/api/not-implemented.ts), and the README lists them
// (build/readme-routes.ts). Run it when the pinned Prefect version changes:
//   bun build/prefect-routes.ts [path/to/prefect-openapi.json]
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

export interface PrefectRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "WS";
  /** Prefect's path under /api, with {param} placeholders. */
  path: string;
  operation: string;
  tag: string;
}

const ROOT = resolve(import.meta.dir, "..");
export const SCHEMA = resolve(ROOT, "..", "shared", "reference", "prefect-openapi.json");
export const OUTPUT = resolve(ROOT, "src", "api", "prefect-routes.json");

// Not in the schema: Prefect's server mounts its UI routers without one, and WebSockets have none.
const EXTRA: PrefectRoute[] = [
  { method: "POST", path: "/ui/flow_runs/history", operation: "read_flow_run_history", tag: "UI" },
  { method: "POST", path: "/ui/flow_runs/count-task-runs", operation: "count_task_runs_by_flow_run", tag: "UI" },
  { method: "POST", path: "/ui/flows/count-deployments", operation: "count_deployments_by_flow", tag: "UI" },
  { method: "POST", path: "/ui/flows/next-runs", operation: "next_runs_by_flow", tag: "UI" },
  { method: "POST", path: "/ui/schemas/validate", operation: "validate_obj", tag: "UI" },
  { method: "POST", path: "/ui/task_runs/dashboard/counts", operation: "read_dashboard_task_run_counts", tag: "UI" },
  { method: "POST", path: "/ui/task_runs/count", operation: "read_task_run_counts_by_state", tag: "UI" },
  { method: "GET", path: "/ui/task_runs/{id}", operation: "read_task_run_with_flow_run_name", tag: "UI" },
  { method: "WS", path: "/events/in", operation: "stream_events_in", tag: "Events" },
  { method: "WS", path: "/events/out", operation: "stream_workspace_events_out", tag: "Events" },
  { method: "WS", path: "/logs/out", operation: "stream_logs_out", tag: "Logs" },
  {
    method: "WS",
    path: "/task_runs/subscriptions/scheduled",
    operation: "scheduled_task_subscription",
    tag: "Task Runs",
  },
  {
    method: "WS",
    path: "/work_pools/{work_pool_name}/workers/connect",
    operation: "worker_connect",
    tag: "Work Pools",
  },
];

export function prefectRoutes(schemaPath = SCHEMA): PrefectRoute[] {
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as {
    paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
  };
  const out: PrefectRoute[] = [];
  for (const [path, ops] of Object.entries(schema.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      out.push({
        method: method.toUpperCase() as PrefectRoute["method"],
        path,
        operation: op.operationId ?? "",
        tag: op.tags?.[0] ?? "",
      });
    }
  }
  return [...out, ...EXTRA].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

if (import.meta.main) {
  const routes = prefectRoutes(process.argv[2] ?? SCHEMA);
  writeFileSync(OUTPUT, `${JSON.stringify(routes, null, 1)}\n`);
  console.log(`wrote ${routes.length} routes to ${OUTPUT}`);
}
