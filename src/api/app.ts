// The composition root: builds the stores over one driver and every plugin from its dependencies, and
// wires them in order (errors first, so its handler covers everything registered after it).
import { Elysia } from "elysia";
import { createDriver } from "../db/driver.ts";
import type { DbHandle } from "../db/open.ts";
import { EventBus } from "../events/bus.ts";
import { TaskQueue } from "../orchestration/task-queue.ts";
import { transitions } from "../orchestration/transitions.ts";
import type { TaskRunJson } from "../store/run-shapes.ts";
import { createServices } from "../services/index.ts";
import { flowRunGraphStore } from "../store/flow-run-graph.ts";
import { flowRunInputsStore } from "../store/flow-run-inputs.ts";
import { flowRunsStore } from "../store/flow-runs.ts";
import { flowsStore } from "../store/flows.ts";
import { dashboardStore } from "../store/dashboard.ts";
import { runHistoryStore } from "../store/run-history.ts";
import { runListStore } from "../store/run-list.ts";
import { deploymentsStore } from "../store/deployments.ts";
import { schedulerStore } from "../store/scheduler.ts";
import { deploymentTransitions } from "../orchestration/deployments.ts";
import { workPoolTransitions } from "../orchestration/work-pools.ts";
import { artifactChanges } from "../orchestration/artifacts.ts";
import { automationChanges } from "../orchestration/automations.ts";
import { variableChanges } from "../orchestration/variables.ts";
import { blockTransitions } from "../orchestration/blocks.ts";
import { workPoolRunsStore } from "../store/work-pool-runs.ts";
import { workPoolsStore } from "../store/work-pools.ts";
import { workQueuesStore } from "../store/work-queues.ts";
import { concurrencyLimitsV2Store } from "../store/concurrency-limits-v2.ts";
import { concurrencyLimitsStore } from "../store/concurrency-limits.ts";
import { schedulerSettings } from "../services/scheduler.ts";
import { taskRunsStore } from "../store/task-runs.ts";
import { artifactsStore } from "../store/artifacts.ts";
import { savedSearchesStore } from "../store/saved-searches.ts";
import { automationActionsStore } from "../store/automation-actions.ts";
import { automationsStore } from "../store/automations.ts";
import { variablesStore } from "../store/variables.ts";
import { blockDocumentsStore } from "../store/block-documents.ts";
import { registerBuiltInBlocks } from "../store/block-registration.ts";
import { blockSchemasStore } from "../store/block-schemas.ts";
import { blockTypesStore } from "../store/block-types.ts";
import { dashboardCsrf } from "../ui/csrf.ts";
import { dashboard } from "../ui/routes.tsx";
import { accessLog } from "./access-log.ts";
import { adminApi } from "./admin.ts";
import { apiDocs } from "./docs.ts";
import { apiVersionCheck } from "./api-version.ts";
import { basicAuth, socketPathsOf } from "./auth.ts";
import { concurrencyLimitsV2Api } from "./concurrency-limits-v2.ts";
import { concurrencyLimitsApi } from "./concurrency-limits.ts";
import type { ServerConfig } from "../settings/server-config.ts";
import { csrf } from "./csrf.ts";
import { errors } from "./errors.ts";
import { eventsModule } from "./events-module.ts";
import { flowRunInputsApi } from "./flow-run-inputs.ts";
import { flowRunsApi } from "./flow-runs.ts";
import { flowsApi } from "./flows.ts";
import { deploymentsApi } from "./deployments.ts";
import { automationDeliveriesApi } from "./automation-deliveries.ts";
import { automationsApi, templatesApi } from "./automations.ts";
import { flowRunNotificationPoliciesApi } from "./flow-run-notification-policies.ts";
import { log } from "../core/logger.ts";
import { performActions } from "../services/automation-actions.ts";
import { automationTriggers } from "../services/triggers.ts";
import { blockDocumentsApi } from "./block-documents.ts";
import { blockSchemasApi } from "./block-schemas.ts";
import { blockTypesApi } from "./block-types.ts";
import { collectionsApi } from "./collections.ts";
import { taskRunsApi } from "./task-runs.ts";
import { taskWorkersApi } from "./task-workers.ts";
import { workPoolsApi } from "./work-pools.ts";
import { workQueuesApi } from "./work-queues.ts";
import { artifactsApi } from "./artifacts.ts";
import { savedSearchesApi } from "./saved-searches.ts";
import { variablesApi } from "./variables.ts";
import { notImplemented } from "./not-implemented.ts";
import { sameOrigin } from "./same-origin.ts";
import { securityHeaders } from "./security-headers.ts";
import { jsonTransport } from "./transport.ts";

export interface AppDeps {
  config: ServerConfig;
  db: DbHandle;
  /** Revision the database is at, for the about page. */
  revision: string | null;
  /** The wait after a failed delivery attempt; tests shorten it (services/automation-actions.ts). */
  actionBackoffSeconds?: (attempt: number) => number;
}

export function createApp(deps: AppDeps) {
  const driver = createDriver(deps.db);
  const bus = new EventBus();
  const maxLimit = deps.config.defaultLimit;
  // Logs, events, the event persister and the task-run recorder (task runs arrive as events); the
  // services registry below starts and stops the last two.
  const events = eventsModule({ driver, bus, authString: deps.config.authString, maxLimit });
  const stores = {
    flows: flowsStore(driver),
    flowRuns: flowRunsStore(driver, deps.config.concurrency),
    flowRunInputs: flowRunInputsStore(driver),
    graphs: flowRunGraphStore(driver),
    taskRuns: taskRunsStore(driver, deps.config.concurrency),
    history: runHistoryStore(driver),
    dashboard: dashboardStore(driver),
    runList: runListStore(driver),
    deployments: deploymentsStore(driver),
    scheduler: schedulerStore(driver),
    workPools: workPoolsStore(driver),
    workQueues: workQueuesStore(driver),
    workPoolRuns: workPoolRunsStore(driver),
    variables: variablesStore(driver),
    automations: automationsStore(driver),
    automationActions: automationActionsStore(driver),
    artifacts: artifactsStore(driver),
    savedSearches: savedSearchesStore(driver),
    blockTypes: blockTypesStore(driver),
    blockSchemas: blockSchemasStore(driver),
    blockDocuments: blockDocumentsStore(driver),
    concurrencyLimitsV2: concurrencyLimitsV2Store(driver, deps.config.concurrency),
    concurrencyLimits: concurrencyLimitsStore(driver, deps.config.concurrency),
    ...events.stores,
  };
  const taskQueue = new TaskQueue<TaskRunJson>();
  const runTransitions = transitions({
    flowRuns: stores.flowRuns,
    flowRunInputs: stores.flowRunInputs,
    taskRuns: stores.taskRuns,
    bus,
    taskQueue,
  });
  const deploymentChanges = deploymentTransitions({
    deployments: stores.deployments,
    runs: runTransitions,
    bus,
    limits: { maxScheduledRuns: deps.config.maxScheduledRunsPerSchedule },
    pools: stores.workPools,
  });
  const workPoolChanges = workPoolTransitions({
    pools: stores.workPools,
    queues: stores.workQueues,
    poolRuns: stores.workPoolRuns,
    deployments: deploymentChanges,
    bus,
  });
  const variableChanged = variableChanges({ variables: stores.variables, bus });
  const automationChanged = automationChanges({ automations: stores.automations, bus });
  const artifactChanged = artifactChanges({ artifacts: stores.artifacts, bus });
  // Block changes announce their events; the built-in types (Secret, the file systems, every
  // notification block) are registered at start.
  const blockChanges = blockTransitions({
    types: stores.blockTypes,
    documents: stores.blockDocuments,
    registerBuiltIns: () => registerBuiltInBlocks(driver),
    bus,
  });
  // Automations: triggers counted in the event persister's transaction, actions from a durable queue.
  const runActions = performActions({
    actions: stores.automationActions,
    automations: stores.automations,
    bus,
    blocks: stores.blockDocuments,
    flowRuns: stores.flowRuns,
    flows: stores.flows,
    deploymentsStore: stores.deployments,
    pools: stores.workPools,
    transitions: runTransitions,
    deployments: deploymentChanges,
    workPools: workPoolChanges,
    automationChanges: () => automationChanged,
    uiUrl: `http://${deps.config.host}:${deps.config.port}`,
    baseUrls: deps.config.notifications.baseUrls,
    timeoutMs: deps.config.notifications.timeoutSeconds * 1000,
    backoffSeconds: deps.actionBackoffSeconds,
  });
  const triggers = automationTriggers({
    driver,
    bus,
    automations: stores.automations,
    events: stores.events,
    nudge: () => void runActions().catch((e) => log.error("automation actions failed", e)),
    persister: events.services.persister,
  });
  const api = new Elysia({ name: "api", prefix: "/api" })
    .use(jsonTransport)
    .use(adminApi(deps.config))
    .use(csrf(deps.config.csrfEnabled))
    .use(flowsApi({ flows: stores.flows, maxLimit }))
    .use(
      flowRunsApi({
        flowRuns: stores.flowRuns,
        history: stores.history,
        transitions: runTransitions,
        logs: stores.logs,
        graphs: stores.graphs,
        maxLimit,
      }),
    )
    .use(flowRunInputsApi({ flowRunInputs: stores.flowRunInputs, maxLimit }))
    .use(taskWorkersApi({ taskQueue, taskRuns: stores.taskRuns, authString: deps.config.authString }))
    .use(taskRunsApi({ taskRuns: stores.taskRuns, history: stores.history, transitions: runTransitions, maxLimit }))
    .use(
      deploymentsApi({
        deployments: stores.deployments,
        changes: deploymentChanges,
        flowRuns: stores.flowRuns,
        scheduler: stores.scheduler,
        schedulerSettings: () => schedulerSettings(deps.config.services.scheduler),
        maxLimit,
      }),
    )
    .use(
      workPoolsApi({
        pools: stores.workPools,
        queues: stores.workQueues,
        changes: workPoolChanges,
        maxLimit,
      }),
    )
    .use(workQueuesApi({ queues: stores.workQueues, changes: workPoolChanges, maxLimit }))
    .use(variablesApi({ variables: stores.variables, changes: variableChanged, maxLimit }))
    .use(artifactsApi({ artifacts: stores.artifacts, changes: artifactChanged, maxLimit }))
    .use(savedSearchesApi({ savedSearches: stores.savedSearches, maxLimit }))
    .use(
      blockTypesApi({
        types: stores.blockTypes,
        documents: stores.blockDocuments,
        changes: blockChanges,
        maxLimit,
      }),
    )
    .use(blockSchemasApi({ schemas: stores.blockSchemas, maxLimit }))
    .use(blockDocumentsApi({ documents: stores.blockDocuments, changes: blockChanges, maxLimit }))
    .use(automationsApi({ automations: stores.automations, changes: automationChanged, maxLimit }))
    .use(automationDeliveriesApi({ automations: stores.automations, actions: stores.automationActions, maxLimit }))
    .use(templatesApi())
    .use(
      flowRunNotificationPoliciesApi({
        automations: stores.automations,
        changes: automationChanged,
        blocks: stores.blockDocuments,
        maxLimit,
      }),
    )
    .use(collectionsApi())
    .use(concurrencyLimitsV2Api({ limits: stores.concurrencyLimitsV2, maxLimit }))
    .use(concurrencyLimitsApi({ limits: stores.concurrencyLimits, maxLimit }))
    .use(events.api);
  // Requests served, so the memory trim can tell a burst of load from a quiet spell.
  let requests = 0;
  const services = createServices({
    requests: () => requests,
    config: deps.config.services,
    db: deps.db,
    driver,
    transitions: runTransitions,
    dashboard: stores.dashboard,
    persister: events.services.persister,
    recorder: events.services.recorder,
    scheduler: stores.scheduler,
    workPools: workPoolChanges,
    concurrencyLimits: stores.concurrencyLimitsV2,
    triggers,
    performActions: runActions,
  });
  const stubs = notImplemented(api.routes);
  // Parts that need the finished app read it late: auth the WebSocket routes it ended up with (they
  // may defer to their handshake), the docs its routes (on the first request for the document).
  let built: { routes: Array<{ method: string; path: string }> } | null = null;
  let socketPaths: ReadonlySet<string> | null = null;
  // normalize: false, or Elysia would coerce a string or an array sent where an object belongs into an
  // object instead of answering 422.
  const app = new Elysia({ normalize: false })
    .onRequest(() => void requests++)
    .use(errors)
    .use(accessLog)
    .use(securityHeaders)
    .use(sameOrigin)
    .use(basicAuth(deps.config.authString, () => (socketPaths ??= socketPathsOf(built ?? { routes: [] }))))
    .use(apiVersionCheck)
    .use(api)
    .use(stubs)
    .use(apiDocs(() => built, stubs.missing))
    .use(
      dashboard({
        config: deps.config,
        revision: deps.revision,
        bus,
        transitions: runTransitions,
        deployments: deploymentChanges,
        workPools: workPoolChanges,
        variables: variableChanged,
        blocks: blockChanges,
        stores,
        notifications: {
          automations: stores.automations,
          actions: stores.automationActions,
          changes: automationChanged,
          sendTest: runActions.sendTest,
        },
        csrf: dashboardCsrf(),
        services: () => services.statuses(),
      }),
    );
  built = app;
  return Object.assign(app, {
    events,
    stores,
    bus,
    services,
    transitions: runTransitions,
    deployments: deploymentChanges,
    workPools: workPoolChanges,
    blocks: blockChanges,
    automations: { changes: automationChanged, triggers, runActions },
    notImplemented: stubs.missing,
  });
}

export type App = ReturnType<typeof createApp>;
