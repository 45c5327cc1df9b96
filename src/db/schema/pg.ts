// PostgreSQL tables: the same shape as schema/sqlite.ts with native types (uuid, jsonb, timestamptz,
// boolean). Timestamps are read back as normalised ISO strings, never as Date (microseconds matter).
import { sql } from "drizzle-orm";
import {
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { base, type Json, json, ts } from "./pg-columns.ts";

const runColumns = {
  name: text("name").notNull(),
  state_type: text("state_type"),
  state_name: text("state_name"),
  state_timestamp: ts("state_timestamp"),
  state_id: uuid("state_id"),
  run_count: integer("run_count").notNull().default(0),
  expected_start_time: ts("expected_start_time"),
  next_scheduled_start_time: ts("next_scheduled_start_time"),
  start_time: ts("start_time"),
  end_time: ts("end_time"),
  total_run_time: doublePrecision("total_run_time").notNull().default(0),
  empirical_policy: json<Json>("empirical_policy").notNull().default(sql`'{}'`),
  tags: json<string[]>("tags").notNull().default(sql`'[]'`),
  labels: json<Json>("labels").notNull().default(sql`'{}'`),
};

export const flow = pgTable("flow", {
  ...base,
  name: text("name").notNull().unique(),
  tags: json<string[]>("tags").notNull().default(sql`'[]'`),
  labels: json<Json>("labels").notNull().default(sql`'{}'`),
});

export const flowRun = pgTable(
  "flow_run",
  {
    ...base,
    ...runColumns,
    flow_id: uuid("flow_id")
      .notNull()
      .references(() => flow.id, { onDelete: "cascade" }),
    flow_version: text("flow_version"),
    deployment_id: uuid("deployment_id"),
    deployment_version: text("deployment_version"),
    work_queue_name: text("work_queue_name"),
    work_queue_id: uuid("work_queue_id"),
    parameters: json<Json>("parameters").notNull().default(sql`'{}'`),
    idempotency_key: text("idempotency_key"),
    context: json<Json>("context").notNull().default(sql`'{}'`),
    created_by: json<Json>("created_by"),
    infrastructure_pid: text("infrastructure_pid"),
    infrastructure_document_id: uuid("infrastructure_document_id"),
    job_variables: json<Json>("job_variables").notNull().default(sql`'{}'`),
    parent_task_run_id: uuid("parent_task_run_id"),
    auto_scheduled: boolean("auto_scheduled").notNull().default(false),
    // Revision 0007: the schedule that made an auto-scheduled run.
    deployment_schedule_id: uuid("deployment_schedule_id"),
  },
  (t) => [
    uniqueIndex("uq_flow_run__flow_id_idempotency_key").on(t.flow_id, t.idempotency_key),
    index("ix_flow_run__flow_id").on(t.flow_id),
    index("ix_flow_run__expected_start_time_desc").on(t.expected_start_time),
    index("ix_flow_run__start_time").on(t.start_time),
    index("ix_flow_run__next_scheduled_start_time").on(t.next_scheduled_start_time),
    index("ix_flow_run__name").on(t.name),
    index("ix_flow_run__parent_task_run_id").on(t.parent_task_run_id),
    index("ix_flow_run__updated").on(t.updated),
    // Revision 0003.
    index("ix_flow_run__expected_start_time_state").on(
      t.expected_start_time,
      t.state_type,
      t.state_name,
      t.total_run_time,
      t.start_time,
    ),
    index("ix_flow_run__state_name_expected_start_time").on(t.state_name, t.expected_start_time),
    // Revision 0004 (replaces the (state_type) and (deployment_id) indexes).
    index("ix_flow_run__start_sort").on(sql`coalesce(${t.start_time}, ${t.expected_start_time})`, t.id),
    index("ix_flow_run__state_type_start_sort").on(
      t.state_type,
      sql`coalesce(${t.start_time}, ${t.expected_start_time})`,
      t.id,
    ),
    index("ix_flow_run__deployment_id_start_sort").on(
      t.deployment_id,
      sql`coalesce(${t.start_time}, ${t.expected_start_time})`,
      t.id,
    ),
    // Revision 0005.
    index("ix_flow_run__end_time").on(t.end_time),
    // Revision 0007.
    index("ix_flow_run__schedule_next")
      .on(t.deployment_schedule_id, t.next_scheduled_start_time)
      .where(sql`state_type = 'SCHEDULED'`),
    // Revision 0008.
    index("ix_flow_run__deployment_scheduled")
      .on(t.deployment_id, t.next_scheduled_start_time)
      .where(sql`state_type = 'SCHEDULED'`),
    index("ix_flow_run__flow_scheduled")
      .on(t.flow_id, t.next_scheduled_start_time)
      .where(sql`state_type = 'SCHEDULED'`),
    // Revision 0009.
    index("ix_flow_run__work_queue_scheduled")
      .on(t.work_queue_id, t.next_scheduled_start_time)
      .where(sql`state_type = 'SCHEDULED'`),
    // Revision 0010.
    index("ix_flow_run__work_queue_id_state_type").on(t.work_queue_id, t.state_type),
  ],
);

const stateColumns = {
  ...base,
  type: text("type").notNull(),
  timestamp: ts("timestamp").notNull(),
  name: text("name").notNull(),
  message: text("message"),
  state_details: json<Json>("state_details").notNull().default(sql`'{}'`),
  data: json<unknown>("data"),
};

export const flowRunState = pgTable(
  "flow_run_state",
  {
    ...stateColumns,
    flow_run_id: uuid("flow_run_id")
      .notNull()
      .references(() => flowRun.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("uq_flow_run_state__flow_run_id_timestamp").on(t.flow_run_id, t.timestamp)],
);

export const taskRun = pgTable(
  "task_run",
  {
    ...base,
    ...runColumns,
    flow_run_id: uuid("flow_run_id").references(() => flowRun.id, { onDelete: "cascade" }),
    task_key: text("task_key").notNull(),
    dynamic_key: text("dynamic_key").notNull(),
    cache_key: text("cache_key"),
    cache_expiration: ts("cache_expiration"),
    task_version: text("task_version"),
    flow_run_run_count: integer("flow_run_run_count").notNull().default(0),
    task_inputs: json<Json>("task_inputs").notNull().default(sql`'{}'`),
  },
  (t) => [
    uniqueIndex("uq_task_run__flow_run_id_task_key_dynamic_key").on(t.flow_run_id, t.task_key, t.dynamic_key),
    index("ix_task_run__flow_run_id").on(t.flow_run_id),
    index("ix_task_run__state_type").on(t.state_type),
    index("ix_task_run__expected_start_time").on(t.expected_start_time),
    index("ix_task_run__name").on(t.name),
    index("ix_task_run__updated").on(t.updated),
    // Revision 0003.
    index("ix_task_run__expected_start_time_state").on(t.expected_start_time, t.state_type),
    // Revision 0004.
    index("ix_task_run__start_time_state").on(t.start_time, t.state_type),
  ],
);

export const taskRunState = pgTable(
  "task_run_state",
  {
    ...stateColumns,
    task_run_id: uuid("task_run_id")
      .notNull()
      .references(() => taskRun.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("uq_task_run_state__task_run_id_timestamp").on(t.task_run_id, t.timestamp)],
);

export const taskRunStateCache = pgTable(
  "task_run_state_cache",
  {
    ...base,
    cache_key: text("cache_key").notNull(),
    cache_expiration: ts("cache_expiration"),
    task_run_state_id: uuid("task_run_state_id").notNull(),
  },
  (t) => [index("ix_task_run_state_cache__cache_key_created").on(t.cache_key, t.created)],
);

export const log = pgTable(
  "log",
  {
    ...base,
    name: text("name").notNull(),
    level: integer("level").notNull(),
    flow_run_id: uuid("flow_run_id"),
    task_run_id: uuid("task_run_id"),
    message: text("message").notNull(),
    timestamp: ts("timestamp").notNull(),
  },
  (t) => [
    index("ix_log__flow_run_id_timestamp").on(t.flow_run_id, t.timestamp),
    index("ix_log__task_run_id").on(t.task_run_id),
    index("ix_log__timestamp").on(t.timestamp),
  ],
);

// Revision 0002.
export const events = pgTable(
  "events",
  {
    ...base,
    occurred: ts("occurred").notNull(),
    event: text("event").notNull(),
    resource_id: text("resource_id").notNull(),
    resource: json<Json>("resource").notNull(),
    related_resource_ids: json<string[]>("related_resource_ids").notNull().default(sql`'[]'`),
    related: json<Json[]>("related").notNull().default(sql`'[]'`),
    payload: json<Json>("payload").notNull().default(sql`'{}'`),
    received: ts("received").notNull(),
    recorded: ts("recorded").notNull(),
    follows: uuid("follows"),
  },
  (t) => [
    index("ix_events__occurred").on(t.occurred),
    index("ix_events__event_occurred").on(t.event, t.occurred),
    index("ix_events__resource_id_occurred").on(t.resource_id, t.occurred),
  ],
);

export const eventResources = pgTable(
  "event_resources",
  {
    ...base,
    occurred: ts("occurred").notNull(),
    resource_id: text("resource_id").notNull(),
    resource_role: text("resource_role").notNull(),
    resource: json<Json>("resource").notNull(),
    event_id: uuid("event_id").notNull(),
  },
  (t) => [index("ix_event_resources__resource_id_occurred").on(t.resource_id, t.occurred)],
);

// Revision 0007: deployments and their schedules.
export const deployment = pgTable(
  "deployment",
  {
    ...base,
    name: text("name").notNull(),
    flow_id: uuid("flow_id")
      .notNull()
      .references(() => flow.id, { onDelete: "cascade" }),
    version: text("version"),
    version_info: json<Json>("version_info"),
    description: text("description"),
    paused: boolean("paused").notNull().default(false),
    status: text("status").notNull().default("NOT_READY"),
    last_polled: ts("last_polled"),
    concurrency_limit: integer("concurrency_limit"),
    concurrency_options: json<Json>("concurrency_options"),
    global_concurrency_limit_id: uuid("global_concurrency_limit_id"),
    job_variables: json<Json>("job_variables").notNull().default(sql`'{}'`),
    parameters: json<Json>("parameters").notNull().default(sql`'{}'`),
    parameter_openapi_schema: json<Json>("parameter_openapi_schema"),
    enforce_parameter_schema: boolean("enforce_parameter_schema").notNull().default(true),
    tags: json<string[]>("tags").notNull().default(sql`'[]'`),
    labels: json<Json>("labels").notNull().default(sql`'{}'`),
    work_queue_name: text("work_queue_name"),
    work_queue_id: uuid("work_queue_id"),
    path: text("path"),
    entrypoint: text("entrypoint"),
    pull_steps: json<Json[]>("pull_steps"),
    storage_document_id: uuid("storage_document_id"),
    infrastructure_document_id: uuid("infrastructure_document_id"),
    created_by: json<Json>("created_by"),
    updated_by: json<Json>("updated_by"),
  },
  (t) => [
    uniqueIndex("uq_deployment__flow_id_name").on(t.flow_id, t.name),
    index("ix_deployment__name").on(t.name),
    index("ix_deployment__updated").on(t.updated),
    // Revision 0009.
    index("ix_deployment__work_queue_id").on(t.work_queue_id),
  ],
);

export const deploymentSchedule = pgTable(
  "deployment_schedule",
  {
    ...base,
    deployment_id: uuid("deployment_id")
      .notNull()
      .references(() => deployment.id, { onDelete: "cascade" }),
    schedule: json<Json>("schedule").notNull(),
    active: boolean("active").notNull().default(true),
    max_scheduled_runs: integer("max_scheduled_runs"),
    parameters: json<Json>("parameters").notNull().default(sql`'{}'`),
    slug: text("slug"),
  },
  (t) => [
    index("ix_deployment_schedule__deployment_id").on(t.deployment_id),
    uniqueIndex("uq_deployment_schedule__deployment_id_slug").on(t.deployment_id, t.slug),
  ],
);

// Revision 0009: work pools, their queues and workers.
export const flowRunInput = pgTable(
  "flow_run_input",
  {
    ...base,
    flow_run_id: uuid("flow_run_id")
      .notNull()
      .references(() => flowRun.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
    sender: text("sender"),
  },
  (t) => [uniqueIndex("uq_flow_run_input__flow_run_id_key").on(t.flow_run_id, t.key)],
);

export const workPool = pgTable(
  "work_pool",
  {
    ...base,
    name: text("name").notNull(),
    description: text("description"),
    type: text("type").notNull(),
    base_job_template: json<Json>("base_job_template").notNull().default(sql`'{}'`),
    is_paused: boolean("is_paused").notNull().default(false),
    default_queue_id: uuid("default_queue_id"),
    concurrency_limit: integer("concurrency_limit"),
    status: text("status").notNull().default("NOT_READY"),
    last_transitioned_status_at: ts("last_transitioned_status_at"),
    last_status_event_id: uuid("last_status_event_id"),
    storage_configuration: json<Json>("storage_configuration").notNull().default(sql`'{}'`),
  },
  (t) => [uniqueIndex("uq_work_pool__name").on(t.name), index("ix_work_pool__type").on(t.type)],
);

export const workQueue = pgTable(
  "work_queue",
  {
    ...base,
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    is_paused: boolean("is_paused").notNull().default(false),
    concurrency_limit: integer("concurrency_limit"),
    priority: integer("priority").notNull(),
    last_polled: ts("last_polled"),
    status: text("status").notNull().default("NOT_READY"),
    filter: json<Json>("filter"),
    work_pool_id: uuid("work_pool_id")
      .notNull()
      .references(() => workPool.id, { onDelete: "cascade" }),
  },
  (t) => [
    uniqueIndex("uq_work_queue__work_pool_id_name").on(t.work_pool_id, t.name),
    index("ix_work_queue__work_pool_id_priority").on(t.work_pool_id, t.priority),
    index("ix_work_queue__name").on(t.name),
  ],
);

export const worker = pgTable(
  "worker",
  {
    ...base,
    name: text("name").notNull(),
    work_pool_id: uuid("work_pool_id")
      .notNull()
      .references(() => workPool.id, { onDelete: "cascade" }),
    last_heartbeat_time: ts("last_heartbeat_time").notNull(),
    heartbeat_interval_seconds: integer("heartbeat_interval_seconds"),
    status: text("status").notNull().default("OFFLINE"),
  },
  (t) => [
    uniqueIndex("uq_worker__work_pool_id_name").on(t.work_pool_id, t.name),
    index("ix_worker__work_pool_id_last_heartbeat_time").on(t.work_pool_id, t.last_heartbeat_time),
  ],
);

// Variables, artifacts with their latest-per-key collection, and saved searches (migration 0011).
export const variable = pgTable(
  "variable",
  {
    ...base,
    name: text("name").notNull(),
    value: json<unknown>("value"),
    tags: json<string[]>("tags").notNull().default(sql`'[]'`),
  },
  (t) => [uniqueIndex("uq_variable__name").on(t.name)],
);

const artifactColumns = {
  task_run_id: uuid("task_run_id"),
  flow_run_id: uuid("flow_run_id"),
  type: text("type"),
  data: json<unknown>("data"),
  description: text("description"),
  metadata_: json<Record<string, string>>("metadata_"),
};

export const artifact = pgTable("artifact", { ...base, key: text("key"), ...artifactColumns }, (t) => [
  index("ix_artifact__key_created").on(t.key, t.created),
  index("ix_artifact__flow_run_id").on(t.flow_run_id),
  index("ix_artifact__task_run_id").on(t.task_run_id),
]);

export const artifactCollection = pgTable(
  "artifact_collection",
  { ...base, key: text("key").notNull(), latest_id: uuid("latest_id").notNull(), ...artifactColumns },
  (t) => [
    uniqueIndex("uq_artifact_collection__key").on(t.key),
    index("ix_artifact_collection__latest_id").on(t.latest_id),
  ],
);

export const savedSearch = pgTable(
  "saved_search",
  {
    ...base,
    name: text("name").notNull(),
    filters: json<Json[]>("filters").notNull().default(sql`'[]'`),
  },
  (t) => [uniqueIndex("uq_saved_search__name").on(t.name)],
);

export const blockType = pgTable(
  "block_type",
  {
    ...base,
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    logo_url: text("logo_url"),
    documentation_url: text("documentation_url"),
    description: text("description"),
    code_example: text("code_example"),
    is_protected: boolean("is_protected").notNull().default(false),
  },
  (t) => [index("ix_block_type__name").on(t.name), uniqueIndex("uq_block_type__slug").on(t.slug)],
);

export const blockSchema = pgTable(
  "block_schema",
  {
    ...base,
    checksum: text("checksum").notNull(),
    fields: json<Json>("fields").notNull().default(sql`'{}'`),
    capabilities: json<string[]>("capabilities").notNull().default(sql`'[]'`),
    version: text("version").notNull(),
    block_type_id: uuid("block_type_id")
      .notNull()
      .references(() => blockType.id, { onDelete: "cascade" }),
  },
  (t) => [
    uniqueIndex("uq_block_schema__checksum_version").on(t.checksum, t.version),
    index("ix_block_schema__block_type_id").on(t.block_type_id),
    index("ix_block_schema__created").on(t.created),
  ],
);

export const blockDocument = pgTable(
  "block_document",
  {
    ...base,
    name: text("name").notNull(),
    data: json<Json>("data").notNull().default(sql`'{}'`),
    is_anonymous: boolean("is_anonymous").notNull().default(false),
    block_type_name: text("block_type_name"),
    block_type_id: uuid("block_type_id")
      .notNull()
      .references(() => blockType.id, { onDelete: "cascade" }),
    block_schema_id: uuid("block_schema_id")
      .notNull()
      .references(() => blockSchema.id, { onDelete: "cascade" }),
  },
  (t) => [
    uniqueIndex("uq_block_document__block_type_id_name").on(t.block_type_id, t.name),
    index("ix_block_document__name").on(t.name),
    index("ix_block_document__block_type_name__name").on(t.block_type_name, t.name),
    index("ix_block_document__block_schema_id").on(t.block_schema_id),
    index("ix_block_document__is_anonymous").on(t.is_anonymous),
  ],
);

export const blockDocumentReference = pgTable(
  "block_document_reference",
  {
    ...base,
    name: text("name").notNull(),
    parent_block_document_id: uuid("parent_block_document_id")
      .notNull()
      .references(() => blockDocument.id, { onDelete: "cascade" }),
    reference_block_document_id: uuid("reference_block_document_id")
      .notNull()
      .references(() => blockDocument.id, { onDelete: "cascade" }),
  },
  (t) => [
    uniqueIndex("uq_block_document_reference__parent_name").on(t.parent_block_document_id, t.name),
    index("ix_block_document_reference__reference").on(t.reference_block_document_id),
  ],
);

export const concurrencyLimitV2 = pgTable(
  "concurrency_limit_v2",
  {
    ...base,
    active: boolean("active").notNull().default(true),
    name: text("name").notNull(),
    limit: integer("limit").notNull(),
    active_slots: integer("active_slots").notNull().default(0),
    denied_slots: integer("denied_slots").notNull().default(0),
    slot_decay_per_second: doublePrecision("slot_decay_per_second").notNull().default(0),
    avg_slot_occupancy_seconds: doublePrecision("avg_slot_occupancy_seconds").notNull().default(2),
  },
  (t) => [uniqueIndex("uq_concurrency_limit_v2__name").on(t.name)],
);

export const concurrencyLease = pgTable(
  "concurrency_lease",
  {
    ...base,
    expiration: ts("expiration").notNull(),
    slots: integer("slots").notNull(),
    holder_type: text("holder_type"),
    holder_id: uuid("holder_id"),
  },
  (t) => [
    index("ix_concurrency_lease__expiration").on(t.expiration),
    index("ix_concurrency_lease__holder_id").on(t.holder_id),
  ],
);

export const concurrencyLeaseLimit = pgTable(
  "concurrency_lease_limit",
  {
    lease_id: uuid("lease_id")
      .notNull()
      .references(() => concurrencyLease.id, { onDelete: "cascade" }),
    limit_id: uuid("limit_id")
      .notNull()
      .references(() => concurrencyLimitV2.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.lease_id, t.limit_id] }),
    index("ix_concurrency_lease_limit__limit_id").on(t.limit_id),
  ],
);

// Automations and the resources they relate to (migration 0015).
export const automation = pgTable(
  "automation",
  {
    ...base,
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    enabled: boolean("enabled").notNull().default(true),
    tags: json<string[]>("tags").notNull().default(sql`'[]'`),
    trigger: json<Json>("trigger").notNull(),
    actions: json<Json[]>("actions").notNull().default(sql`'[]'`),
    actions_on_trigger: json<Json[]>("actions_on_trigger").notNull().default(sql`'[]'`),
    actions_on_resolve: json<Json[]>("actions_on_resolve").notNull().default(sql`'[]'`),
  },
  (t) => [index("ix_automation__name").on(t.name)],
);

export const automationRelatedResource = pgTable(
  "automation_related_resource",
  {
    ...base,
    automation_id: uuid("automation_id")
      .notNull()
      .references(() => automation.id, { onDelete: "cascade" }),
    resource_id: text("resource_id").notNull(),
    automation_owned_by_resource: boolean("automation_owned_by_resource").notNull().default(false),
  },
  (t) => [
    uniqueIndex("uq_automation_related_resource__automation_id_resource_id").on(t.automation_id, t.resource_id),
    index("ix_automation_related_resource__resource_id").on(t.resource_id),
  ],
);

export const automationBucket = pgTable(
  "automation_bucket",
  {
    ...base,
    automation_id: uuid("automation_id")
      .notNull()
      .references(() => automation.id, { onDelete: "cascade" }),
    trigger_id: text("trigger_id").notNull(),
    bucketing_key: text("bucketing_key").notNull(),
    start: ts("start").notNull(),
    end: ts("end").notNull(),
    count: integer("count").notNull(),
    last_event: json<Json>("last_event"),
  },
  (t) => [
    uniqueIndex("uq_automation_bucket__automation_id_trigger_id_bucketing_key").on(
      t.automation_id,
      t.trigger_id,
      t.bucketing_key,
    ),
    index("ix_automation_bucket__end").on(t.end),
  ],
);

export const automationAction = pgTable(
  "automation_action",
  {
    ...base,
    automation_id: uuid("automation_id")
      .notNull()
      .references(() => automation.id, { onDelete: "cascade" }),
    action_index: integer("action_index").notNull(),
    action: json<Json>("action").notNull(),
    triggered: ts("triggered").notNull(),
    triggering_labels: json<Json>("triggering_labels").notNull(),
    triggering_event: json<Json>("triggering_event"),
    automation_triggered_event_id: uuid("automation_triggered_event_id"),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    next_attempt: ts("next_attempt").notNull(),
    last_error: text("last_error"),
  },
  (t) => [
    index("ix_automation_action__status_next_attempt").on(t.status, t.next_attempt),
    index("ix_automation_action__automation_id_triggered").on(t.automation_id, t.triggered),
  ],
);

export const automationActionAttempt = pgTable(
  "automation_action_attempt",
  {
    ...base,
    action_id: uuid("action_id")
      .notNull()
      .references(() => automationAction.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    status: text("status").notNull(),
    response_code: integer("response_code"),
    error: text("error"),
    duration_ms: doublePrecision("duration_ms").notNull(),
  },
  (t) => [index("ix_automation_action_attempt__action_id").on(t.action_id)],
);

export * from "./pg-triggers.ts";
