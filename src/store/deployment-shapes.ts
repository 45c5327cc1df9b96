// Rows → the JSON Prefect returns for deployments (DeploymentResponse) and their schedules
// (DeploymentSchedule).
import type { Row } from "../db/driver.ts";

export interface ScheduleJson {
  id: string;
  created: string;
  updated: string;
  deployment_id: string;
  schedule: Record<string, unknown>;
  active: boolean;
  max_scheduled_runs: number | null;
  parameters: Record<string, unknown>;
  slug: string | null;
}

export const scheduleJson = (r: Row): ScheduleJson => ({
  id: r.id as string,
  created: r.created as string,
  updated: r.updated as string,
  deployment_id: r.deployment_id as string,
  schedule: r.schedule as Record<string, unknown>,
  active: Boolean(r.active),
  max_scheduled_runs: (r.max_scheduled_runs as number | null) ?? null,
  parameters: (r.parameters as Record<string, unknown>) ?? {},
  slug: (r.slug as string | null) ?? null,
});

export function deploymentJson(r: Row, schedules: ScheduleJson[]) {
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    name: r.name as string,
    version: (r.version as string | null) ?? null,
    version_info: (r.version_info as Record<string, unknown> | null) ?? null,
    description: (r.description as string | null) ?? null,
    flow_id: r.flow_id as string,
    paused: Boolean(r.paused),
    schedules,
    concurrency_limit: (r.concurrency_limit as number | null) ?? null,
    // Global limits arrive with the concurrency work; until then none is linked.
    global_concurrency_limit: null,
    global_concurrency_limit_id: (r.global_concurrency_limit_id as string | null) ?? null,
    concurrency_options: (r.concurrency_options as Record<string, unknown> | null) ?? null,
    job_variables: (r.job_variables as Record<string, unknown>) ?? {},
    parameters: (r.parameters as Record<string, unknown>) ?? {},
    tags: (r.tags as string[]) ?? [],
    labels: (r.labels as Record<string, unknown>) ?? {},
    work_queue_name: (r.work_queue_name as string | null) ?? null,
    work_queue_id: (r.work_queue_id as string | null) ?? null,
    last_polled: (r.last_polled as string | null) ?? null,
    parameter_openapi_schema: (r.parameter_openapi_schema as Record<string, unknown> | null) ?? null,
    path: (r.path as string | null) ?? null,
    pull_steps: (r.pull_steps as Array<Record<string, unknown>> | null) ?? null,
    entrypoint: (r.entrypoint as string | null) ?? null,
    storage_document_id: (r.storage_document_id as string | null) ?? null,
    infrastructure_document_id: (r.infrastructure_document_id as string | null) ?? null,
    created_by: (r.created_by as Record<string, unknown> | null) ?? null,
    updated_by: (r.updated_by as Record<string, unknown> | null) ?? null,
    work_pool_name: null as string | null,
    status: (r.status as string) ?? "NOT_READY",
    enforce_parameter_schema: Boolean(r.enforce_parameter_schema),
  };
}

export type DeploymentJson = ReturnType<typeof deploymentJson>;
