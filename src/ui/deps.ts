// What the dashboard routes need: the stores (read and a few transitions), the bus (dashboard actions
// publish the same flow-run events as the API), the server config and the CSRF token.
import type { ServerConfig } from "../api/config.ts";
import type { EventBus } from "../events/bus.ts";
import type { FlowRunsStore } from "../store/flow-runs.ts";
import type { EventsStore } from "../store/events.ts";
import type { FlowsStore } from "../store/flows.ts";
import type { LogsStore } from "../store/logs.ts";
import type { DashboardStore } from "../store/dashboard.ts";
import type { RunHistoryStore } from "../store/run-history.ts";
import type { RunListStore } from "../store/run-list.ts";
import type { TaskRunsStore } from "../store/task-runs.ts";
import type { DashboardCsrf } from "./csrf.ts";

export interface UiDeps {
  config: ServerConfig;
  revision: string | null;
  bus: EventBus;
  csrf: DashboardCsrf;
  services: () => Array<{ name: string; running: boolean }>;
  stores: { flows: FlowsStore; flowRuns: FlowRunsStore; taskRuns: TaskRunsStore; history: RunHistoryStore; dashboard: DashboardStore; runList: RunListStore; logs: LogsStore; events: EventsStore };
}
