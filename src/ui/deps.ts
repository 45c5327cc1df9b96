// What the dashboard routes need: the stores (reads), the transition entry point (writes of states, which
// publish the same flow-run events as the API's), the bus (live regions), the server config and the
// CSRF token.
import type { ServerConfig } from "../settings/server-config.ts";
import type { EventBus } from "../events/bus.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { ServiceStatus } from "../services/service.ts";
import type { FlowRunGraphStore } from "../store/flow-run-graph.ts";
import type { FlowRunInputsStore } from "../store/flow-run-inputs.ts";
import type { FlowRunsStore } from "../store/flow-runs.ts";
import type { EventsStore } from "../store/events.ts";
import type { FlowsStore } from "../store/flows.ts";
import type { LogsStore } from "../store/logs.ts";
import type { DashboardStore } from "../store/dashboard.ts";
import type { RunHistoryStore } from "../store/run-history.ts";
import type { RunListStore } from "../store/run-list.ts";
import type { TaskRunsStore } from "../store/task-runs.ts";
import type { DeploymentTransitions } from "../orchestration/deployments.ts";
import type { DeploymentsStore } from "../store/deployments.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import type { VariableChanges } from "../orchestration/variables.ts";
import type { WorkPoolsStore } from "../store/work-pools.ts";
import type { WorkQueuesStore } from "../store/work-queues.ts";
import type { ArtifactsStore } from "../store/artifacts.ts";
import type { VariablesStore } from "../store/variables.ts";
import type { BlockDocumentsStore } from "../store/block-documents.ts";
import type { BlockSchemasStore } from "../store/block-schemas.ts";
import type { BlockTypesStore } from "../store/block-types.ts";
import type { BlockTransitions } from "../orchestration/blocks.ts";
import type { ConcurrencyLimitsStore } from "../store/concurrency-limits.ts";
import type { ConcurrencyLimitsV2Store } from "../store/concurrency-limits-v2.ts";
import type { DashboardCsrf } from "./csrf.ts";
import type { AutomationChanges } from "../orchestration/automations.ts";
import type { AutomationActionsStore } from "../store/automation-actions.ts";
import type { AutomationsStore } from "../store/automations.ts";

/** What the Notifications and Automations pages need: automations, with their queued deliveries. */
export interface NotificationDeps {
  automations: AutomationsStore;
  actions: AutomationActionsStore;
  changes: AutomationChanges;
  /** Sends a notification's test message now; null when it is not one (services/automation-actions.ts). */
  sendTest?: (automationId: string) => Promise<{ ok: boolean; reason?: string; responseCode: number | null } | null>;
}

export interface UiDeps {
  config: ServerConfig;
  revision: string | null;
  bus: EventBus;
  transitions: Transitions;
  /** Deployment changes (pause, resume, runs from the Run form), which publish their events. */
  deployments: DeploymentTransitions;
  /** Work pool and queue changes (pause, resume, limits, priorities), which publish their events. */
  workPools: WorkPoolTransitions;
  /** Variable changes, which publish the prefect.variable.* events. */
  variables: VariableChanges;
  /** Block type and document changes, which publish their events. */
  blocks: BlockTransitions;
  csrf: DashboardCsrf;
  /** Automations behind the Notifications and Automations pages (ui/notifications.tsx, ui/automations.tsx);
   *  absent, those pages are not served and run pages link to no automation. */
  notifications?: NotificationDeps;
  services: () => Array<ServiceStatus & { state: string }>;
  stores: {
    flows: FlowsStore;
    flowRuns: FlowRunsStore;
    graphs: FlowRunGraphStore;
    flowRunInputs: FlowRunInputsStore;
    taskRuns: TaskRunsStore;
    history: RunHistoryStore;
    dashboard: DashboardStore;
    runList: RunListStore;
    deployments: DeploymentsStore;
    workPools: WorkPoolsStore;
    workQueues: WorkQueuesStore;
    logs: LogsStore;
    events: EventsStore;
    variables: VariablesStore;
    artifacts: ArtifactsStore;
    blockTypes: BlockTypesStore;
    blockSchemas: BlockSchemasStore;
    blockDocuments: BlockDocumentsStore;
    concurrencyLimitsV2: ConcurrencyLimitsV2Store;
    concurrencyLimits: ConcurrencyLimitsStore;
  };
}
