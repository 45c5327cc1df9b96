// Every setting prefect-lite knows, in one place. Validation, `config view`, defaults, secret masking
// and the README's settings table all read this list, so adding a setting here is the whole job.
//
// Names are Prefect's canonical 3.x env names; `aliases` are the legacy names Prefect still accepts.
// Client-side settings (read by the Python SDK, not by our server) are listed too, so that
// `prefect-lite config set PREFECT_API_URL=…` writes a profile the SDK understands.
import { CREDENTIAL_MASK } from "../core/redact.ts";

export type SettingType = "string" | "int" | "float" | "bool" | "path" | "url" | "level" | "db-url" | "choice";

export interface SettingDef {
  name: string;
  aliases: readonly string[];
  type: SettingType;
  /** Default as a string (what `config view --show-defaults` prints); `${NAME}` refers to another setting. */
  default: string | null;
  secret: boolean;
  /** Who reads it: our server/CLI, or only the Python SDK. */
  scope: "server" | "client";
  description: string;
  /** `config set` refuses it (Prefect's rule for PREFECT_HOME and PREFECT_PROFILES_PATH). */
  envOnly?: boolean;
  min?: number;
  max?: number;
  /** The accepted values of a "choice" setting, upper case. */
  choices?: readonly string[];
}

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export const LOG_LEVELS: readonly string[] = LEVELS;

function s(def: Omit<SettingDef, "aliases" | "secret" | "scope"> & Partial<SettingDef>): SettingDef {
  return { aliases: [], secret: false, scope: "server", ...def };
}

/** The hosted services notification blocks send to: setting key, default base URL, what it is. */
export const NOTIFICATION_SERVICES = [
  ["DISCORD", "https://discord.com", "Discord's webhook API"],
  ["OPSGENIE", "https://api.opsgenie.com", "Opsgenie's Alert API"],
  ["OPSGENIE_EU", "https://api.eu.opsgenie.com", "Opsgenie's EU Alert API (region_name eu)"],
  ["PAGERDUTY", "https://events.pagerduty.com", "PagerDuty's Events API v2"],
  ["PAGERDUTY_EU", "https://events.eu.pagerduty.com", "PagerDuty's EU Events API v2 (region_name eu)"],
  ["TWILIO", "https://api.twilio.com", "Twilio's Messages API"],
  ["SENDGRID", "https://api.sendgrid.com", "SendGrid's mail API"],
] as const;

export const SETTINGS: readonly SettingDef[] = [
  s({
    name: "PREFECT_HOME",
    type: "path",
    default: "~/.prefect",
    envOnly: true,
    description: "Directory for prefect-lite's and Prefect's local state: profiles, the SQLite database, results.",
  }),
  s({
    name: "PREFECT_PROFILES_PATH",
    type: "path",
    default: "${PREFECT_HOME}/profiles.toml",
    envOnly: true,
    description: "The profiles file shared with the Prefect SDK.",
  }),

  // Client side: what the SDK reads. Listed so `config set` accepts them and `config view` shows them.
  s({
    name: "PREFECT_API_URL",
    type: "url",
    default: null,
    scope: "client",
    description: "URL of the API the Prefect SDK talks to, e.g. http://127.0.0.1:4200/api.",
  }),
  s({
    name: "PREFECT_API_KEY",
    type: "string",
    default: null,
    secret: true,
    scope: "client",
    description: "Prefect Cloud API key (unused by prefect-lite).",
  }),
  s({
    name: "PREFECT_API_AUTH_STRING",
    type: "string",
    default: null,
    secret: true,
    scope: "client",
    description: "user:password the SDK sends as HTTP basic auth.",
  }),
  s({
    name: "PREFECT_API_REQUEST_TIMEOUT",
    type: "float",
    default: "60.0",
    scope: "client",
    description: "SDK request timeout in seconds.",
  }),
  s({
    name: "PREFECT_UI_URL",
    type: "url",
    default: null,
    scope: "client",
    description: "Dashboard URL the SDK prints in 'View at' links.",
  }),
  s({
    name: "PREFECT_LOGGING_LEVEL",
    type: "level",
    default: "INFO",
    scope: "client",
    description: "Log level of the SDK's loggers.",
  }),
  s({
    name: "PREFECT_LOGGING_TO_API_ENABLED",
    type: "bool",
    default: "True",
    scope: "client",
    description: "Whether the SDK ships run logs to the API.",
  }),
  s({
    name: "PREFECT_RESULTS_PERSIST_BY_DEFAULT",
    type: "bool",
    default: "False",
    scope: "client",
    description: "Whether the SDK persists task and flow results by default.",
  }),
  s({
    name: "PREFECT_LOCAL_STORAGE_PATH",
    type: "path",
    default: "${PREFECT_HOME}/storage",
    scope: "client",
    description: "Where the SDK writes persisted results.",
  }),
  s({
    name: "PREFECT_CLIENT_MAX_RETRIES",
    type: "int",
    default: "5",
    min: 0,
    scope: "client",
    description: "SDK retries on 408/429/502/503.",
  }),
  s({
    name: "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED",
    type: "bool",
    default: "True",
    scope: "client",
    description: "Whether the SDK fetches CSRF tokens.",
  }),
  s({
    name: "PREFECT_SERVER_EPHEMERAL_ENABLED",
    type: "bool",
    default: "False",
    scope: "client",
    description: "Whether the SDK starts a temporary server when no API URL is set.",
  }),

  // Server: database.
  s({
    name: "PREFECT_SERVER_DATABASE_CONNECTION_URL",
    aliases: ["PREFECT_API_DATABASE_CONNECTION_URL"],
    type: "db-url",
    default: "sqlite+aiosqlite:///${PREFECT_HOME}/prefect.db",
    secret: true,
    description:
      "Database URL: sqlite+aiosqlite:///path, sqlite:///:memory:, postgresql+asyncpg://user:pass@host:port/db.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_PASSWORD",
    aliases: ["PREFECT_API_DATABASE_PASSWORD"],
    type: "string",
    default: null,
    secret: true,
    description: "Substituted for ${PREFECT_API_DATABASE_PASSWORD} or ${PREFECT_SERVER_DATABASE_PASSWORD} in the URL.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_ECHO",
    aliases: ["PREFECT_API_DATABASE_ECHO"],
    type: "bool",
    default: "False",
    description: "Log every SQL statement.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_MIGRATE_ON_START",
    aliases: ["PREFECT_API_DATABASE_MIGRATE_ON_START"],
    type: "bool",
    default: "True",
    description: "Apply pending migrations when the server starts.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_TIMEOUT",
    aliases: ["PREFECT_API_DATABASE_TIMEOUT"],
    type: "float",
    default: "10.0",
    min: 0,
    description: "Statement timeout in seconds (PostgreSQL); busy wait for SQLite.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT",
    aliases: ["PREFECT_API_DATABASE_CONNECTION_TIMEOUT"],
    type: "float",
    default: "5.0",
    min: 0,
    description: "PostgreSQL connect timeout in seconds.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE",
    aliases: ["PREFECT_SQLALCHEMY_POOL_SIZE"],
    type: "int",
    default: "5",
    min: 1,
    description: "PostgreSQL pool size (plus max overflow gives the connection bound).",
  }),
  // Ours, not Prefect's: env-only, so it never lands in a profile the SDK would warn about.
  s({
    name: "PREFECT_LITE_SQLITE_SYNCHRONOUS",
    type: "choice",
    choices: ["OFF", "NORMAL", "FULL", "EXTRA"],
    default: "FULL",
    envOnly: true,
    description:
      "SQLite durability. FULL (default): every acknowledged write is on disk, one fsync per group commit. NORMAL (Prefect's setting): a power cut may lose the last transactions.",
  }),
  s({
    name: "PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW",
    aliases: ["PREFECT_SQLALCHEMY_MAX_OVERFLOW"],
    type: "int",
    default: "10",
    min: 0,
    description: "Extra PostgreSQL connections allowed above the pool size.",
  }),

  // Ours: where notifications to hosted services go, so tests and air-gapped installs can point them at
  // their own endpoints (Slack, Teams, Mattermost and custom webhooks take their URL from the block).
  ...NOTIFICATION_SERVICES.map(([key, url, what]) =>
    s({
      name: `PREFECT_LITE_NOTIFICATIONS_${key}_URL`,
      type: "url",
      default: url,
      envOnly: true,
      description: `Base URL of ${what} for notification blocks.`,
    }),
  ),
  s({
    name: "PREFECT_LITE_NOTIFICATIONS_TIMEOUT_SECONDS",
    type: "float",
    default: "10.0",
    min: 0.001,
    envOnly: true,
    description: "How long one notification request (HTTP or SMTP) may take before it counts as a failed attempt.",
  }),
  // Server: HTTP.
  s({
    name: "PREFECT_SERVER_API_HOST",
    type: "string",
    default: "127.0.0.1",
    description: "Address the server listens on.",
  }),
  s({
    name: "PREFECT_SERVER_API_PORT",
    type: "int",
    default: "4200",
    min: 0,
    max: 65535,
    description: "Port the server listens on.",
  }),
  s({
    name: "PREFECT_SERVER_API_AUTH_STRING",
    type: "string",
    default: null,
    secret: true,
    description: "user:password required as HTTP basic auth on every request except /api/health.",
  }),
  s({
    name: "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED",
    aliases: ["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"],
    type: "bool",
    default: "False",
    description: "Require CSRF tokens on mutating API requests.",
  }),
  s({
    name: "PREFECT_SERVER_API_DEFAULT_LIMIT",
    aliases: ["PREFECT_API_DEFAULT_LIMIT"],
    type: "int",
    default: "200",
    min: 1,
    description: "Default and maximum page size of filter endpoints.",
  }),
  s({
    name: "PREFECT_SERVER_API_KEEPALIVE_TIMEOUT",
    type: "int",
    default: "5",
    min: 0,
    description: "HTTP keep-alive timeout in seconds.",
  }),
  s({
    name: "PREFECT_SERVER_LOGGING_LEVEL",
    aliases: ["PREFECT_LOGGING_SERVER_LEVEL"],
    type: "level",
    default: "WARNING",
    description: "Server log level.",
  }),
  s({
    name: "PREFECT_SERVER_UI_ENABLED",
    aliases: ["PREFECT_UI_ENABLED"],
    type: "bool",
    default: "True",
    description: "Serve the dashboard at /.",
  }),
  s({
    name: "PREFECT_SERVER_ANALYTICS_ENABLED",
    type: "bool",
    default: "True",
    description: "Accepted for compatibility; prefect-lite sends no telemetry.",
  }),

  s({
    name: "PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS",
    aliases: ["PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS"],
    type: "int",
    default: "50",
    min: 1,
    description: "The largest max_scheduled_runs a deployment schedule may ask for.",
  }),

  // Server: concurrency limits (how long a client denied a slot is told to wait, and deployment leases).
  s({
    name: "PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS",
    type: "float",
    default: "30.0",
    min: 0,
    description: "The longest Retry-After a client denied a global concurrency slot is given.",
  }),
  s({
    name: "PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
    aliases: ["PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS"],
    type: "float",
    default: "10.0",
    min: 0,
    description: "The longest Retry-After (or WAIT) a task run denied a tag concurrency slot is given.",
  }),
  s({
    name: "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS",
    aliases: ["PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS"],
    type: "float",
    default: "30.0",
    min: 0,
    description: "How far ahead a run refused a deployment concurrency slot is rescheduled (AwaitingConcurrencySlot).",
  }),
  s({
    name: "PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION",
    type: "float",
    default: "300.0",
    min: 30,
    max: 3600,
    description: "Seconds a deployment concurrency lease lives before the flow process first renews it.",
  }),

  // Server: background services, with the names and defaults of Prefect's services settings.
  ...service(
    "CANCELLATION_CLEANUP",
    "Cancel the task runs and subflows of cancelled runs, and end runs stuck in Cancelling.",
    20,
    [
      s({
        name: "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS",
        type: "float",
        default: "300.0",
        min: 0.001,
        description: "A run still Cancelling after this many seconds is marked Cancelled.",
      }),
    ],
  ),
  ...service(
    "EVENT_PERSISTER",
    "Store every event the server receives or emits (for /events/filter, counts and /events/out backfill).",
  ),
  ...service("FOREMAN", "Mark workers OFFLINE, and pools, queues and deployments NOT_READY, when they go quiet.", 15, [
    s({
      name: "PREFECT_SERVER_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE",
      aliases: ["PREFECT_API_SERVICES_FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE"],
      type: "int",
      default: "3",
      min: 1,
      description: "A worker silent for this many of its heartbeat intervals goes OFFLINE.",
    }),
    s({
      name: "PREFECT_SERVER_SERVICES_FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS",
      aliases: ["PREFECT_API_SERVICES_FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS"],
      type: "int",
      default: "30",
      min: 1,
      description: "The heartbeat interval assumed for a worker that did not send one.",
    }),
    s({
      name: "PREFECT_SERVER_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS",
      aliases: ["PREFECT_API_SERVICES_FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS"],
      type: "int",
      default: "60",
      min: 1,
      description: "A READY work queue not polled for this many seconds becomes NOT_READY.",
    }),
    s({
      name: "PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS",
      aliases: ["PREFECT_API_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS"],
      type: "int",
      default: "60",
      min: 1,
      description: "A READY deployment not polled for this many seconds becomes NOT_READY.",
    }),
  ]),
  // Prefect's TRIGGERS service has no loop; ours polls the queue of triggered actions (a firing also
  // nudges it at once), so its LOOP_SECONDS is prefect-lite's own.
  ...service("TRIGGERS", "Evaluate automations' triggers and perform their actions.", 2, [
    s({
      name: "PREFECT_SERVER_EVENTS_PROACTIVE_GRANULARITY",
      aliases: ["PREFECT_EVENTS_PROACTIVE_GRANULARITY"],
      type: "float",
      default: "5.0",
      min: 0.001,
      description: "Seconds between evaluations of Proactive automation triggers.",
    }),
  ]),
  ...service("REPOSSESSOR", "Free the concurrency slots of leases that expired unrenewed.", 15),
  ...service("LATE_RUNS", "Mark scheduled runs Late when they miss their start.", 5, [
    s({
      name: "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS",
      aliases: ["PREFECT_API_SERVICES_LATE_RUNS_AFTER_SECONDS"],
      type: "float",
      default: "15.0",
      min: 0,
      description: "How many seconds past its scheduled start a run becomes Late.",
    }),
  ]),
  ...service("PAUSE_EXPIRATIONS", "Fail paused runs whose pause timeout passed.", 5),
  ...service("SCHEDULER", "Create runs from deployment schedules.", 60, [
    ...[
      ["DEPLOYMENT_BATCH_SIZE", "int", "100", 1, "How many deployments' schedules one scheduler query reads."],
      ["MAX_RUNS", "int", "100", 1, "The most future runs the scheduler makes per schedule."],
      ["MIN_RUNS", "int", "3", 0, "The fewest future runs the scheduler keeps per schedule."],
      ["MAX_SCHEDULED_TIME", "float", "8640000.0", 1, "Seconds ahead the scheduler may schedule runs (100 days)."],
      ["MIN_SCHEDULED_TIME", "float", "3600.0", 0, "Seconds ahead the scheduler always schedules runs (1 hour)."],
      ["INSERT_BATCH_SIZE", "int", "500", 1, "How many runs one scheduler insert writes."],
      [
        "RECENT_DEPLOYMENTS_LOOP_SECONDS",
        "float",
        "5.0",
        0.001,
        "Seconds between passes over recently changed deployments.",
      ],
    ].map(([suffix, type, dflt, min, description]) =>
      s({
        name: `PREFECT_SERVER_SERVICES_SCHEDULER_${suffix}`,
        aliases: [`PREFECT_API_SERVICES_SCHEDULER_${suffix}`],
        type: type as "int" | "float",
        default: dflt as string,
        min: min as number,
        description: description as string,
      }),
    ),
  ]),
  ...service("TASK_RUN_RECORDER", "Record the task runs the SDK reports as events (without it no task run appears)."),
];

/** PREFECT_SERVER_SERVICES_<KEY>_ENABLED and, for loop services, _LOOP_SECONDS (with Prefect's PREFECT_API_ aliases). */
function service(key: string, description: string, loopSeconds?: number, extra: SettingDef[] = []): SettingDef[] {
  const name = (suffix: string) => `PREFECT_SERVER_SERVICES_${key}_${suffix}`;
  const alias = (suffix: string) => [`PREFECT_API_SERVICES_${key}_${suffix}`];
  return [
    s({ name: name("ENABLED"), aliases: alias("ENABLED"), type: "bool", default: "True", description }),
    ...(loopSeconds === undefined
      ? []
      : [
          s({
            name: name("LOOP_SECONDS"),
            aliases: alias("LOOP_SECONDS"),
            type: "float",
            default: loopSeconds.toFixed(1),
            min: 0.001,
            description: "Seconds between the service's runs.",
          }),
        ]),
    ...extra,
  ];
}

const byName = new Map<string, SettingDef>();
for (const def of SETTINGS) {
  byName.set(def.name, def);
  for (const alias of def.aliases) byName.set(alias, def);
}

/** Looks a setting up by its canonical name or any alias. */
export function findSetting(name: string): SettingDef | undefined {
  return byName.get(name.toUpperCase());
}

/** Every accepted name, canonical and alias, for suggestions. */
export function allSettingNames(): string[] {
  return [...byName.keys()];
}

export const SECRET_MASK = CREDENTIAL_MASK;
