// Deployment request models (Prefect's DeploymentCreate, DeploymentUpdate, DeploymentScheduleCreate and
// Update, DeploymentFlowRunCreate) and the store's input types. Schedules are typed loosely here and
// checked field by field by src/schedules/ (which knows interval, cron and rrule and their defaults).
import { type Static, t } from "elysia";
import { Nullable, Obj, Uuid } from "./common.ts";
import { FlowRunPolicy, Labels, StateCreateModel } from "./runs.ts";
import type { StateCreate } from "../orchestration/states.ts";

/**
 * The most schedules one request may carry: far past any real deployment (the scheduler is tested with
 * thousands), and a bound on how long one upsert holds SQLite's writer.
 */
export const MAX_SCHEDULES = 10_000;

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(Nullable(s));
const PositiveInt = t.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
const Str = t.String();

export const ConcurrencyOptions = t.Object(
  { collision_strategy: t.UnionEnum(["ENQUEUE", "CANCEL_NEW"]) },
  { additionalProperties: true },
);

export const VersionInfo = t.Object({ type: Str, version: Str }, { additionalProperties: true });

export const DeploymentScheduleCreateModel = t.Object(
  {
    active: t.Optional(t.Boolean()),
    schedule: Obj,
    max_scheduled_runs: opt(PositiveInt),
    parameters: t.Optional(Obj),
    slug: opt(Str),
    replaces: opt(Str),
  },
  { additionalProperties: true },
);

export const DeploymentScheduleUpdateModel = t.Object(
  {
    active: opt(t.Boolean()),
    schedule: opt(Obj),
    max_scheduled_runs: opt(PositiveInt),
    parameters: t.Optional(Obj),
    slug: opt(Str),
    replaces: opt(Str),
  },
  { additionalProperties: true },
);

const shared = {
  version: opt(Str),
  version_info: opt(VersionInfo),
  description: opt(Str),
  concurrency_limit: opt(PositiveInt),
  concurrency_options: opt(ConcurrencyOptions),
  global_concurrency_limit_id: opt(Uuid),
  parameter_openapi_schema: opt(Obj),
  tags: t.Optional(t.Array(Str)),
  work_queue_name: opt(Str),
  work_pool_name: opt(Str),
  path: opt(Str),
  entrypoint: opt(Str),
  pull_steps: opt(t.Array(Obj)),
  storage_document_id: opt(Uuid),
  infrastructure_document_id: opt(Uuid),
};

export const DeploymentCreateModel = t.Object(
  {
    name: t.String({ minLength: 1 }),
    flow_id: Uuid,
    paused: t.Optional(t.Boolean()),
    schedules: t.Optional(t.Array(DeploymentScheduleCreateModel, { maxItems: MAX_SCHEDULES })),
    enforce_parameter_schema: t.Optional(t.Boolean()),
    parameters: t.Optional(Obj),
    labels: t.Optional(Labels),
    job_variables: t.Optional(Obj),
    ...shared,
  },
  { additionalProperties: true },
);

export const DeploymentUpdateModel = t.Object(
  {
    paused: t.Optional(t.Boolean()),
    schedules: opt(t.Array(DeploymentScheduleUpdateModel, { maxItems: MAX_SCHEDULES })),
    enforce_parameter_schema: opt(t.Boolean()),
    parameters: opt(Obj),
    labels: t.Optional(Labels),
    job_variables: opt(Obj),
    ...shared,
  },
  { additionalProperties: true },
);

export const DeploymentFlowRunCreateModel = t.Object(
  {
    state: opt(StateCreateModel),
    name: opt(Str),
    parameters: t.Optional(Obj),
    enforce_parameter_schema: opt(t.Boolean()),
    context: t.Optional(Obj),
    infrastructure_document_id: opt(Uuid),
    empirical_policy: opt(FlowRunPolicy),
    tags: t.Optional(t.Array(Str)),
    idempotency_key: opt(Str),
    labels: t.Optional(Labels),
    parent_task_run_id: opt(Uuid),
    work_queue_name: opt(Str),
    job_variables: opt(Obj),
  },
  { additionalProperties: true },
);

export type DeploymentScheduleCreateBody = Static<typeof DeploymentScheduleCreateModel>;
export type DeploymentScheduleUpdateBody = Static<typeof DeploymentScheduleUpdateModel>;
export type DeploymentCreateBody = Static<typeof DeploymentCreateModel>;
export type DeploymentUpdateBody = Static<typeof DeploymentUpdateModel>;
export type DeploymentFlowRunCreateBody = Omit<Static<typeof DeploymentFlowRunCreateModel>, "state"> & {
  state?: StateCreate | null;
};

/** A schedule as the store writes it: the schedule JSON already checked and given its defaults. */
export interface ScheduleInput {
  schedule: Record<string, unknown>;
  active: boolean;
  max_scheduled_runs: number | null;
  parameters: Record<string, unknown>;
  slug: string | null;
}

/** The deployment columns a create or update writes (absent keys are left as they are on update). */
export type DeploymentFields = Partial<{
  version: string | null;
  version_info: Record<string, unknown> | null;
  description: string | null;
  paused: boolean;
  concurrency_limit: number | null;
  concurrency_options: Record<string, unknown> | null;
  global_concurrency_limit_id: string | null;
  job_variables: Record<string, unknown>;
  parameters: Record<string, unknown>;
  parameter_openapi_schema: Record<string, unknown> | null;
  enforce_parameter_schema: boolean;
  tags: string[];
  labels: Record<string, unknown>;
  work_queue_name: string | null;
  work_queue_id: string | null;
  /** Not a column: the pool the deployment's queue is found in (store/work-queue-placement.ts). */
  work_pool_name: string | null;
  path: string | null;
  entrypoint: string | null;
  pull_steps: Array<Record<string, unknown>> | null;
  storage_document_id: string | null;
  infrastructure_document_id: string | null;
  created_by: Record<string, unknown> | null;
  updated_by: Record<string, unknown> | null;
}>;

/** The columns a deployment event reports as updated (Prefect's DEPLOYMENT_EVENT_FIELDS). */
export const DEPLOYMENT_EVENT_FIELDS = [
  "description",
  "tags",
  "parameters",
  "parameter_openapi_schema",
  "enforce_parameter_schema",
  "entrypoint",
  "path",
  "pull_steps",
  "work_queue_id",
  "job_variables",
  "paused",
  "labels",
  "version",
  "global_concurrency_limit_id",
  "concurrency_options",
] as const;
