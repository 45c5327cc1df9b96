// The one way deployments change, for the API, the dashboard and the services: checks what the store
// cannot (schedules, parameters against the deployment's schema), writes through the store, and
// publishes the prefect.deployment.* events after the commit. Runs made from a deployment go through
// the run transitions, so they announce their first state like any other run.
//
// Like transitions.ts this does I/O through the stores it is given; the layering test places it above
// store/.
import { AppError, conflict, invalidFields } from "../core/errors.ts";
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { EventBus } from "../events/bus.ts";
import { deploymentEvent, type DeploymentEventKind } from "../events/deployment-events.ts";
import { madeEvents } from "../events/work-pool-events.ts";
import { parseSchedule } from "../schedules/index.ts";
import type {
  DeploymentCreateBody,
  DeploymentFields,
  DeploymentFlowRunCreateBody,
  DeploymentScheduleCreateBody,
  DeploymentScheduleUpdateBody,
  DeploymentUpdateBody,
  ScheduleInput,
} from "../schemas/deployments.ts";
import { checkParameterSchema, checkParameters } from "../schemas/parameters.ts";
import { jobVariableIssue } from "../schemas/work-pools.ts";
import type { DeploymentChange, DeploymentJson, DeploymentsStore } from "../store/deployments.ts";
import type { SchedulePatch } from "../store/deployment-schedule-plan.ts";
import type { FilterBody } from "../store/page.ts";
import type { Transitions } from "./transitions.ts";

export interface DeploymentLimits {
  /** PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS: the most runs one schedule may ask for. */
  maxScheduledRuns: number;
}

function scheduleInput(s: DeploymentScheduleCreateBody, path: Array<string | number>, limits: DeploymentLimits) {
  checkMaxRuns(s.max_scheduled_runs, [...path, "max_scheduled_runs"], limits);
  return {
    schedule: parseSchedule(s.schedule, [...path, "schedule"]) as unknown as Record<string, unknown>,
    active: s.active ?? true,
    max_scheduled_runs: s.max_scheduled_runs ?? null,
    parameters: s.parameters ?? {},
    slug: s.slug ?? null,
  } satisfies ScheduleInput;
}

function schedulePatch(s: DeploymentScheduleUpdateBody, path: Array<string | number>, limits: DeploymentLimits) {
  checkMaxRuns(s.max_scheduled_runs, [...path, "max_scheduled_runs"], limits);
  const out: SchedulePatch = {};
  if (s.schedule != null)
    out.schedule = parseSchedule(s.schedule, [...path, "schedule"]) as unknown as Record<string, unknown>;
  if (s.active != null) out.active = s.active;
  if (s.max_scheduled_runs != null) out.max_scheduled_runs = s.max_scheduled_runs;
  if (s.parameters !== undefined) out.parameters = s.parameters;
  if (s.slug != null) out.slug = s.slug;
  if (s.replaces != null) out.replaces = s.replaces;
  return out;
}

function checkMaxRuns(value: number | null | undefined, path: Array<string | number>, limits: DeploymentLimits) {
  if (value != null && value > limits.maxScheduledRuns)
    throw invalidFields(`\`max_scheduled_runs\` must be less than or equal to ${limits.maxScheduledRuns}.`, [
      {
        path,
        msg: `Value error, \`max_scheduled_runs\` must be less than or equal to ${limits.maxScheduledRuns}.`,
        type: "value_error",
      },
    ]);
}

/** The columns a create or update body sets (only those it names, for an update). */
function fieldsOf(body: DeploymentCreateBody | DeploymentUpdateBody): DeploymentFields {
  const f: DeploymentFields = {};
  const copy = [
    "version",
    "version_info",
    "description",
    "paused",
    "concurrency_limit",
    "concurrency_options",
    "global_concurrency_limit_id",
    "job_variables",
    "parameters",
    "parameter_openapi_schema",
    "enforce_parameter_schema",
    "tags",
    "work_queue_name",
    "work_pool_name",
    "path",
    "entrypoint",
    "pull_steps",
    "storage_document_id",
    "infrastructure_document_id",
  ] as const;
  const b = body as Record<string, unknown>;
  for (const key of copy) if (b[key] !== undefined) (f as Record<string, unknown>)[key] = b[key];
  if (body.labels !== undefined) f.labels = body.labels ?? {};
  return f;
}

export function deploymentTransitions(deps: {
  deployments: DeploymentsStore;
  runs: Transitions;
  bus: EventBus;
  limits: DeploymentLimits;
  /** The pools deployments name, for their job variables' check. */
  pools: { getByName(name: string): Promise<{ base_job_template: Record<string, unknown> } | null> };
}) {
  const { deployments, runs, bus, limits, pools } = deps;

  /** Prefect's check of job variables against the named pool's template (a 409 when they do not fit). */
  async function checkJobVariables(poolName: string | null | undefined, jobVariables: unknown, verb: string) {
    if (!poolName) return;
    const pool = await pools.getByName(poolName);
    const issue = pool && jobVariableIssue(jobVariables, pool.base_job_template);
    if (issue) throw conflict(`Error ${verb} deployment: ${issue}`);
  }

  const publish = (kind: DeploymentEventKind, changes: DeploymentChange[]) => {
    const now = nowTimestamp();
    bus.publish(changes.map((c) => deploymentEvent(kind, c, now)));
  };
  const announce = (c: DeploymentChange) => {
    const made = madeEvents(c.made, nowTimestamp());
    if (made.length) bus.publish(made);
    if (c.created) publish("created", [c]);
    else if (Object.keys(c.updates).length) publish("updated", [c]);
  };

  return {
    /** Upsert on (flow, name); `created` tells 201 from 200. */
    async create(body: DeploymentCreateBody): Promise<{ deployment: DeploymentJson; created: boolean }> {
      if (body.concurrency_limit && body.global_concurrency_limit_id)
        throw invalidFields("A deployment cannot have both a concurrency limit and a global concurrency limit.", [
          {
            path: ["concurrency_limit"],
            msg: "Value error, a deployment cannot have both limits",
            type: "value_error",
          },
        ]);
      const schedules = (body.schedules ?? []).map((s, i) => scheduleInput(s, ["schedules", i], limits));
      const fields = fieldsOf(body);
      // A schema that could stall the server when checked later is refused now (schemas/parameters.ts).
      if (body.parameter_openapi_schema) checkParameterSchema(body.parameter_openapi_schema);
      // As Prefect's DeploymentCreate: checked only when the request itself asks for enforcement.
      if (body.enforce_parameter_schema === true && body.parameter_openapi_schema && body.parameters)
        checkParameters(body.parameters, body.parameter_openapi_schema, { ignoreRequired: true });
      await checkJobVariables(body.work_pool_name, body.job_variables, "creating");
      const input = { name: body.name, flow_id: body.flow_id, fields, schedules };
      let change: DeploymentChange;
      try {
        change = await deployments.create(input);
      } catch (e) {
        // Two upserts of one new deployment at once (PostgreSQL): the loser updates the winner's row.
        if (!(e instanceof AppError && e.kind === "conflict" && /concurrently/.test(e.message))) throw e;
        change = await deployments.create(input);
      }
      announce(change);
      return { deployment: change.deployment, created: change.created };
    },

    /** PATCH; false when the deployment does not exist. */
    async update(id: string, body: DeploymentUpdateBody): Promise<boolean> {
      const existing = await deployments.get(id);
      if (!existing) return false;
      const schedules = body.schedules
        ? body.schedules.map((s, i) => schedulePatch(s, ["schedules", i], limits))
        : null;
      const fields = fieldsOf(body);
      if (body.parameter_openapi_schema) checkParameterSchema(body.parameter_openapi_schema);
      if (body.job_variables) await checkJobVariables(body.work_pool_name, body.job_variables, "updating");
      const enforce = body.enforce_parameter_schema ?? existing.enforce_parameter_schema;
      // As Prefect's update: the parameters after the change against the schema after it (an empty
      // schema in the body means "keep the one stored").
      if (enforce && (body.parameters || body.parameter_openapi_schema)) {
        const given = body.parameter_openapi_schema;
        const schema = given && Object.keys(given).length ? given : existing.parameter_openapi_schema;
        const parameters = body.parameters ?? existing.parameters;
        if (!schema || typeof schema !== "object")
          throw conflict(
            "Error updating deployment: Cannot update parameters because parameter schema enforcement is enabled and the deployment does not have a valid parameter schema.",
          );
        checkParameters(parameters, schema, { ignoreRequired: true });
      }
      const change = await deployments.update(id, fields, schedules);
      if (!change) return false;
      announce(change);
      return true;
    },

    async delete(id: string): Promise<boolean> {
      const change = await deployments.delete(id);
      if (change) publish("deleted", [change]);
      return Boolean(change);
    },

    async bulkDelete(body: FilterBody, limit: number): Promise<string[]> {
      const changes = await deployments.bulkDelete(body, limit);
      publish("deleted", changes);
      return changes.map((c) => c.deployment.id);
    },

    /** Pausing also deletes the auto-scheduled runs that have not started, late ones included. */
    async setPaused(id: string, paused: boolean): Promise<boolean> {
      const change = await deployments.setPaused(id, paused);
      if (change) announce(change);
      return Boolean(change);
    },

    async markReady(ids: string[]): Promise<void> {
      publish("ready", await deployments.markReady(ids));
    },

    /** READY deployments not polled for `timeoutSeconds` become NOT_READY; returns how many. */
    async markNotReady(timeoutSeconds: number): Promise<number> {
      const changes = await deployments.markNotReady(addSeconds(nowTimestamp(), -timeoutSeconds));
      publish("not-ready", changes);
      return changes.length;
    },

    createSchedules(id: string, bodies: DeploymentScheduleCreateBody[]) {
      return deployments.createSchedules(
        id,
        bodies.map((s, i) => scheduleInput(s, [i], limits)),
      );
    },

    updateSchedule(id: string, scheduleId: string, body: DeploymentScheduleUpdateBody) {
      const { replaces: _replaces, ...fields } = schedulePatch(body, [], limits);
      return deployments.updateSchedule(id, scheduleId, fields);
    },

    deleteSchedule: (id: string, scheduleId: string) => deployments.deleteSchedule(id, scheduleId),

    /**
     * A run of the deployment (POST /deployments/{id}/create_flow_run, run_deployment(), the dashboard's
     * Run form): the deployment's parameters under the given ones, checked against its schema when it
     * enforces one; Scheduled now unless a state is given. Null when the deployment does not exist.
     */
    async createFlowRun(id: string, body: DeploymentFlowRunCreateBody) {
      const deployment = await deployments.get(id);
      if (!deployment) return null;
      const parameters = { ...deployment.parameters, ...(body.parameters ?? {}) };
      if (body.enforce_parameter_schema ?? deployment.enforce_parameter_schema) {
        const schema = deployment.parameter_openapi_schema;
        if (!schema || typeof schema !== "object")
          throw conflict(
            "Error updating deployment: Cannot update parameters because parameter schema enforcement is enabled and the deployment does not have a valid parameter schema.",
          );
        checkParameters(parameters, schema);
      }
      let queue = { work_queue_name: deployment.work_queue_name, work_queue_id: deployment.work_queue_id };
      if (body.work_queue_name) {
        if (!deployment.work_pool_name)
          throw new AppError(
            "bad_request",
            `Cannot create flow run in work queue ${body.work_queue_name} because deployment ${id} is not associated with a work pool. Please remove work_pool_name and try again.`,
          );
        const placed = await deployments.queueIn(deployment.work_pool_name, body.work_queue_name);
        bus.publish(madeEvents(placed.made, nowTimestamp()));
        queue = placed.placement;
      }
      const tags = [...new Set([...deployment.tags, ...(body.tags ?? [])])];
      const labels = {
        ...deployment.labels,
        "prefect.flow.id": deployment.flow_id,
        "prefect.deployment.id": deployment.id,
        ...(body.labels ?? {}),
      };
      const now = nowTimestamp();
      return runs.createFlowRun({
        flow_id: deployment.flow_id,
        name: body.name ?? null,
        state: body.state ?? { type: "SCHEDULED", state_details: { scheduled_time: now } },
        parameters,
        context: body.context ?? {},
        parent_task_run_id: body.parent_task_run_id ?? null,
        infrastructure_document_id: body.infrastructure_document_id ?? deployment.infrastructure_document_id,
        empirical_policy: body.empirical_policy ?? undefined,
        tags,
        labels: labels as Record<string, string>,
        idempotency_key: body.idempotency_key ?? null,
        ...queue,
        job_variables: body.job_variables ?? {},
        deployment_id: deployment.id,
        deployment_version: deployment.version,
        from_deployment: true,
      });
    },
  };
}

export type DeploymentTransitions = ReturnType<typeof deploymentTransitions>;
