// Every background service of the server, in one registry built by the composition root (api/app.ts).
// `server start` starts what is enabled; tests build the same registry and call a loop's runOnce().
//
// --no-services behaves as Prefect's: its own services (the event persister and task-run recorder
// included) stay off and only the web server runs. The upkeep of our own database (WAL checkpoints,
// planner statistics, folding PostgreSQL's hourly counts) is not a Prefect service and always runs.
import type { Driver } from "../db/driver.ts";
import { type Leadership, leadership } from "../db/leader.ts";
import type { DbHandle } from "../db/open.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { WorkPoolTransitions } from "../orchestration/work-pools.ts";
import type { LoopKey, ServiceKey, ServicesConfig } from "../settings/server-config.ts";
import type { ConcurrencyLimitsV2Store } from "../store/concurrency-limits-v2.ts";
import type { DashboardStore } from "../store/dashboard.ts";
import { runSweepsStore } from "../store/run-sweeps.ts";
import type { SchedulerStore } from "../store/scheduler.ts";
import { cleanUpCancellations } from "./cancellation-cleanup.ts";
import { databaseUpkeep } from "./database-upkeep.ts";
import type { EventPersister } from "./event-persister.ts";
import { markLateRuns } from "./late-runs.ts";
import { failExpiredPauses } from "./pause-expirations.ts";
import { scheduleDeployments } from "./scheduler.ts";
import { monitorWorkerHealth } from "./foreman.ts";
import { revokeExpiredLeases } from "./repossessor.ts";
import {
  LoopService,
  type LoopServiceOptions,
  RunningService,
  stateOf,
  type Service,
  type ServiceStatus,
} from "./service.ts";
import type { TaskRunRecorder } from "./task-run-recorder.ts";
import type { ActionsRunner } from "./automation-actions.ts";
import type { AutomationTriggers } from "./triggers.ts";

export interface ServiceDeps {
  config: ServicesConfig;
  db: DbHandle;
  driver: Driver;
  transitions: Transitions;
  dashboard: DashboardStore;
  persister: EventPersister;
  recorder: TaskRunRecorder;
  scheduler: SchedulerStore;
  workPools: WorkPoolTransitions;
  concurrencyLimits: ConcurrencyLimitsV2Store;
  /** Automations: the reactive trigger evaluation and one pass of the actions queue. */
  triggers?: AutomationTriggers;
  performActions?: ActionsRunner;
  /** Requests served so far, for the memory trim (services/database-upkeep.ts). */
  requests?: () => number;
}

export function createServices(deps: ServiceDeps) {
  const { config, transitions } = deps;
  const sweeps = runSweepsStore(deps.driver);
  const on = (key: ServiceKey) => config.enabled[key];
  // One server at a time runs Prefect's loop services on a shared PostgreSQL; the others stand by.
  const lead = leadership(deps.db, "prefect-loop-services");
  const leader = () => lead.isLeader();
  const loop = (
    key: LoopKey,
    name: string,
    description: string,
    runOnce: () => Promise<string | void>,
    extra: Pick<LoopServiceOptions, "interrupt"> & { loopSeconds?: number } = {},
  ) =>
    new LoopService({
      name,
      description,
      settingKey: key,
      enabled: on(key),
      loopSeconds: config.loopSeconds[key],
      runOnce,
      leader,
      ...extra,
    });

  const late = loop(
    "LATE_RUNS",
    "MarkLateRuns",
    "Marks scheduled runs Late once they are past their start.",
    markLateRuns({ sweeps, transitions, afterSeconds: config.lateRunsAfterSeconds }),
  );
  const pauses = loop(
    "PAUSE_EXPIRATIONS",
    "FailExpiredPauses",
    "Fails paused runs whose pause timed out.",
    failExpiredPauses({ sweeps, transitions }),
  );
  const cancellations = loop(
    "CANCELLATION_CLEANUP",
    "CancellationCleanup",
    "Cancels the task runs and subflows of cancelled runs; ends runs stuck in Cancelling.",
    cleanUpCancellations({ sweeps, transitions, cancellingTimeoutSeconds: config.cancellingTimeoutSeconds }),
  );
  const scheduler = loop(
    "SCHEDULER",
    "Scheduler",
    "Creates the next runs of every active deployment schedule.",
    scheduleDeployments({ scheduler: deps.scheduler, config: config.scheduler }),
  );
  const recentScheduler = new LoopService({
    name: "RecentDeploymentsScheduler",
    description: "Creates the runs of deployments changed in the last few seconds.",
    settingKey: "SCHEDULER",
    enabled: on("SCHEDULER"),
    loopSeconds: config.scheduler.recentLoopSeconds,
    runOnce: scheduleDeployments({ scheduler: deps.scheduler, config: config.scheduler, recent: true }),
    leader,
  });
  const foreman = loop(
    "FOREMAN",
    "Foreman",
    "Marks silent workers offline, and pools, queues and deployments nothing polls not ready.",
    monitorWorkerHealth({ workPools: deps.workPools, config: config.foreman }),
  );
  const repossessor = loop(
    "REPOSSESSOR",
    "Repossessor",
    "Frees the concurrency slots of leases that expired unrenewed.",
    revokeExpiredLeases({ limits: deps.concurrencyLimits }),
  );
  const persister = new RunningService(
    {
      name: "EventPersister",
      description: "Stores the events the server receives and emits.",
      settingKey: "EVENT_PERSISTER",
      enabled: on("EVENT_PERSISTER"),
    },
    deps.persister,
  );
  const recorder = new RunningService(
    {
      name: "TaskRunRecorder",
      description: "Records the task runs the SDK reports as events.",
      settingKey: "TASK_RUN_RECORDER",
      enabled: on("TASK_RUN_RECORDER"),
    },
    deps.recorder,
  );
  const triggers = deps.triggers;
  const reactive = triggers
    ? new RunningService(
        {
          name: "ReactiveTriggers",
          description: "Counts each stored event against the automations' triggers.",
          settingKey: "TRIGGERS",
          enabled: on("TRIGGERS"),
        },
        { start: () => triggers.start(), stop: async () => triggers.stop() },
      )
    : null;
  // Prefect's evaluate_proactive_triggers_periodic, under the triggers' enable flag.
  const proactive = triggers
    ? loop(
        "TRIGGERS",
        "ProactiveTriggers",
        "Fires Proactive triggers whose expected events did not arrive in time.",
        () => triggers.proactive(),
        { loopSeconds: config.proactiveGranularitySeconds },
      )
    : null;
  const performActions = deps.performActions;
  const actions = performActions
    ? loop("TRIGGERS", "Actions", "Performs the actions of triggered automations.", performActions, {
        interrupt: performActions,
      })
    : null;
  const all: Service[] = [
    ...(reactive ? [reactive] : []),
    ...(proactive ? [proactive] : []),
    ...(actions ? [actions] : []),
    cancellations,
    foreman,
    persister,
    late,
    pauses,
    recentScheduler,
    repossessor,
    scheduler,
    recorder,
    ...databaseUpkeep({ db: deps.db, dashboard: deps.dashboard, requests: deps.requests }),
  ];
  return registry(all, config.run, lead, {
    late,
    pauses,
    cancellations,
    foreman,
    persister,
    recorder,
    repossessor,
    scheduler,
    recentScheduler,
  });
}

function registry<N extends Record<string, Service>>(
  all: Service[],
  runPrefectServices: boolean,
  lead: Leadership,
  named: N,
) {
  return {
    ...named,
    all,
    /** Starts every enabled service (Prefect's only without --no-services), or those `which` picks. */
    start(which: (s: Service) => boolean = (s) => runPrefectServices || !s.prefectService): void {
      for (const s of all) if (which(s)) s.start();
    },
    /** Stops every service, in reverse order; queued events and task runs are written first. */
    async stop(): Promise<void> {
      for (const s of [...all].reverse()) await s.stop();
      await lead.release();
    },
    /** Every service's status, with the state the settings page shows. */
    statuses(): Array<ServiceStatus & { state: string }> {
      return all.map((s) => {
        const status = s.status();
        return { ...status, state: stateOf(status, runPrefectServices, s.prefectService) };
      });
    },
  };
}

export type Services = ReturnType<typeof createServices>;
