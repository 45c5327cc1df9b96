// The part of the settings the server needs (HTTP, dashboard, services), resolved once at start-up into
// a plain object that the composition root hands to each part.
import { findSetting, NOTIFICATION_SERVICES } from "./registry.ts";
import type { Settings } from "./sources.ts";

/** Prefect's keys for the services prefect-lite has: PREFECT_SERVER_SERVICES_<KEY>_…. */
export const SERVICE_KEYS = [
  "CANCELLATION_CLEANUP",
  "EVENT_PERSISTER",
  "FOREMAN",
  "LATE_RUNS",
  "PAUSE_EXPIRATIONS",
  "REPOSSESSOR",
  "SCHEDULER",
  "TASK_RUN_RECORDER",
  "TRIGGERS",
] as const;
export type ServiceKey = (typeof SERVICE_KEYS)[number];
export const LOOP_KEYS = [
  "CANCELLATION_CLEANUP",
  "FOREMAN",
  "LATE_RUNS",
  "PAUSE_EXPIRATIONS",
  "REPOSSESSOR",
  "SCHEDULER",
  "TRIGGERS",
] as const;
export type LoopKey = (typeof LOOP_KEYS)[number];

/** The services' settings, resolved once. */
export interface ServicesConfig {
  /** False with --no-services: Prefect's own services stay off whatever their settings say. */
  run: boolean;
  enabled: Record<ServiceKey, boolean>;
  loopSeconds: Record<LoopKey, number>;
  lateRunsAfterSeconds: number;
  cancellingTimeoutSeconds: number;
  /** PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY: how often Proactive triggers are evaluated. */
  proactiveGranularitySeconds: number;
  scheduler: SchedulerConfig;
  /** PREFECT_SERVER_SERVICES_FOREMAN_*: when workers, pools, queues and deployments stop being ready. */
  foreman: ForemanConfig;
}

export interface ForemanConfig {
  inactivityHeartbeatMultiple: number;
  fallbackHeartbeatIntervalSeconds: number;
  deploymentLastPolledTimeoutSeconds: number;
  workQueueLastPolledTimeoutSeconds: number;
}

const foremanConfig = (n: (name: string) => number): ForemanConfig => ({
  inactivityHeartbeatMultiple: n("PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE"),
  fallbackHeartbeatIntervalSeconds: n("PREFECT_SERVER_SERVICES_FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS"),
  deploymentLastPolledTimeoutSeconds: n("PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS"),
  workQueueLastPolledTimeoutSeconds: n("PREFECT_SERVER_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS"),
});

/** PREFECT_SERVER_SERVICES_SCHEDULER_*: Prefect's scheduler settings, seconds for its timedeltas. */
export interface SchedulerConfig {
  deploymentBatchSize: number;
  maxRuns: number;
  minRuns: number;
  maxScheduledSeconds: number;
  minScheduledSeconds: number;
  insertBatchSize: number;
  recentLoopSeconds: number;
}

const SCHEDULER_KEYS: Record<keyof SchedulerConfig, string> = {
  deploymentBatchSize: "DEPLOYMENT_BATCH_SIZE",
  maxRuns: "MAX_RUNS",
  minRuns: "MIN_RUNS",
  maxScheduledSeconds: "MAX_SCHEDULED_TIME",
  minScheduledSeconds: "MIN_SCHEDULED_TIME",
  insertBatchSize: "INSERT_BATCH_SIZE",
  recentLoopSeconds: "RECENT_DEPLOYMENTS_LOOP_SECONDS",
};

function schedulerConfig(get: (name: string) => number): SchedulerConfig {
  return Object.fromEntries(
    Object.entries(SCHEDULER_KEYS).map(([k, suffix]) => [k, get(`PREFECT_SERVER_SERVICES_SCHEDULER_${suffix}`)]),
  ) as unknown as SchedulerConfig;
}

export interface ServerConfig {
  host: string;
  port: number;
  authString: string | null;
  csrfEnabled: boolean;
  defaultLimit: number;
  uiEnabled: boolean;
  logLevel: string;
  /** The database as shown to people (password hidden). */
  databaseDisplay: string;
  services: ServicesConfig;
  /** PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS. */
  maxScheduledRunsPerSchedule: number;
  /** PREFECT_SERVER_CONCURRENCY_* and the tag slot wait: how denied clients are told to wait. */
  concurrency: ConcurrencyConfig;
  /** PREFECT_LITE_NOTIFICATIONS_*: where notification blocks send, and how long a request may take. */
  notifications: NotificationsConfig;
}

export type NotificationService = (typeof NOTIFICATION_SERVICES)[number][0];
export interface NotificationsConfig {
  baseUrls: Record<NotificationService, string>;
  timeoutSeconds: number;
}

const notificationsConfig = (get: (name: string) => string): NotificationsConfig => ({
  baseUrls: Object.fromEntries(
    NOTIFICATION_SERVICES.map(([k]) => [k, get(`PREFECT_LITE_NOTIFICATIONS_${k}_URL`).replace(/\/+$/, "")]),
  ) as NotificationsConfig["baseUrls"],
  timeoutSeconds: Number(get("PREFECT_LITE_NOTIFICATIONS_TIMEOUT_SECONDS")),
});

export interface ConcurrencyConfig {
  /** The longest Retry-After for a global limit without decay. */
  maximumSlotWaitSeconds: number;
  /** The longest Retry-After for a tag:<tag> limit without decay. */
  tagSlotWaitSeconds: number;
  /** The TTL of a deployment concurrency lease until the flow process renews it. */
  initialDeploymentLeaseSeconds: number;
  /** How far ahead a run refused a deployment slot is rescheduled. */
  deploymentSlotWaitSeconds: number;
}

export const concurrencyConfig = (n: (name: string) => number): ConcurrencyConfig => ({
  maximumSlotWaitSeconds: n("PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS"),
  tagSlotWaitSeconds: n("PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS"),
  initialDeploymentLeaseSeconds: n("PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION"),
  deploymentSlotWaitSeconds: n("PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS"),
});

export function servicesConfigFrom(settings: Settings, run = true): ServicesConfig {
  const key = (k: string, suffix: string) => `PREFECT_SERVER_SERVICES_${k}_${suffix}`;
  return {
    run,
    enabled: Object.fromEntries(
      SERVICE_KEYS.map((k) => [k, settings.get<boolean>(key(k, "ENABLED"))]),
    ) as ServicesConfig["enabled"],
    loopSeconds: Object.fromEntries(
      LOOP_KEYS.map((k) => [k, settings.get<number>(key(k, "LOOP_SECONDS"))]),
    ) as ServicesConfig["loopSeconds"],
    lateRunsAfterSeconds: settings.get<number>("PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS"),
    cancellingTimeoutSeconds: settings.get<number>(
      "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS",
    ),
    proactiveGranularitySeconds: settings.get<number>("PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY"),
    scheduler: schedulerConfig((name) => settings.get<number>(name)),
    foreman: foremanConfig((name) => settings.get<number>(name)),
  };
}

export function serverConfigFrom(
  settings: Settings,
  databaseDisplay: string,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  return {
    host: settings.get<string>("PREFECT_SERVER_API_HOST"),
    port: settings.get<number>("PREFECT_SERVER_API_PORT"),
    authString: settings.get<string | null>("PREFECT_SERVER_API_AUTH_STRING"),
    csrfEnabled: settings.get<boolean>("PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED"),
    defaultLimit: settings.get<number>("PREFECT_SERVER_API_DEFAULT_LIMIT"),
    uiEnabled: settings.get<boolean>("PREFECT_SERVER_UI_ENABLED"),
    logLevel: settings.get<string>("PREFECT_SERVER_LOGGING_LEVEL"),
    databaseDisplay,
    services: servicesConfigFrom(settings),
    maxScheduledRunsPerSchedule: settings.get<number>("PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS"),
    concurrency: concurrencyConfig((name) => settings.get<number>(name)),
    notifications: notificationsConfig((name) => String(settings.get<string | number>(name))),
    ...overrides,
  };
}

/** The server config every setting's default gives, for an app built without settings (tests, build scripts). */
export function defaultServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const number = (name: string) => Number(findSetting(name)!.default);
  const key = (k: string, suffix: string) => `PREFECT_SERVER_SERVICES_${k}_${suffix}`;
  return {
    host: "127.0.0.1",
    port: number("PREFECT_SERVER_API_PORT"),
    authString: null,
    csrfEnabled: false,
    defaultLimit: number("PREFECT_SERVER_API_DEFAULT_LIMIT"),
    uiEnabled: true,
    logLevel: "WARNING",
    databaseDisplay: "sqlite (in memory)",
    maxScheduledRunsPerSchedule: number("PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS"),
    concurrency: concurrencyConfig(number),
    notifications: notificationsConfig((name) => findSetting(name)!.default!),
    services: {
      run: true,
      enabled: Object.fromEntries(SERVICE_KEYS.map((k) => [k, true])) as ServicesConfig["enabled"],
      loopSeconds: Object.fromEntries(
        LOOP_KEYS.map((k) => [k, number(key(k, "LOOP_SECONDS"))]),
      ) as ServicesConfig["loopSeconds"],
      lateRunsAfterSeconds: number("PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS"),
      cancellingTimeoutSeconds: number("PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS"),
      proactiveGranularitySeconds: number("PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY"),
      scheduler: schedulerConfig(number),
      foreman: foremanConfig(number),
    },
    ...overrides,
  };
}
