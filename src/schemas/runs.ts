// Models of the run fields the SDK reads back into its own typed models (the client's FlowRun, TaskRun).
// Every way such a field arrives checks it with these: the API's request models (api/run-models.ts) and
// the task-run recorder, which takes the same fields from events (store/task-run-events.ts). A value
// stored unchecked would make the SDK's read_flows()/read_flow_runs()/read_task_runs() raise for every
// listing that includes it.
import { type Static, t } from "elysia";
import { STATE_TYPES, type StateCreate } from "../orchestration/states.ts";
import { Nullable, Obj, StringMap, Uuid } from "./common.ts";

export { Nullable };

/** Prefect's KeyValueLabels: string keys, values bool, int, float or string; null means none. */
export const Labels = Nullable(StringMap(t.Union([t.Boolean(), t.Number(), t.String()])));

const Int = t.Integer();
const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(Nullable(s));

/** The SDK's FlowRunPolicy. */
export const FlowRunPolicy = t.Object(
  {
    // The deprecated max_retries and retry_delay_seconds have defaults and are never null.
    max_retries: t.Optional(Int),
    retry_delay_seconds: t.Optional(t.Number()),
    retries: opt(Int),
    retry_delay: opt(Int),
    pause_keys: opt(t.Array(t.String(), { uniqueItems: true })),
    resuming: opt(t.Boolean()),
    retry_type: opt(t.UnionEnum(["in_process", "reschedule"])),
  },
  { additionalProperties: true },
);

/** TaskRunPolicy: retry_delay may be one delay or a list of at most 50. */
export const TaskRunPolicy = t.Object(
  {
    max_retries: t.Optional(Int),
    retry_delay_seconds: t.Optional(t.Number()),
    retries: opt(Int),
    retry_delay: opt(t.Union([t.Number(), t.Array(t.Number(), { maxItems: 50 })])),
    retry_jitter_factor: opt(t.Number({ minimum: 0 })),
  },
  { additionalProperties: true },
);

const runInput = (type: string, props: Record<string, Parameters<typeof t.Object>[0][string]>) =>
  t.Object({ input_type: t.Literal(type), ...props }, { additionalProperties: true });

/** task_inputs: per argument, the task runs, flow runs, parameters and constants it came from. */
export const TaskInputs = StringMap(
  t.Array(
    t.Union([
      runInput("task_run", { id: t.String({ format: "uuid" }) }),
      runInput("flow_run", { id: t.String({ format: "uuid" }) }),
      runInput("parameter", { name: t.String() }),
      runInput("constant", { type: t.String() }),
    ]),
  ),
);

/** CreatedBy: who made a run (a deployment's schedule, an automation, a user). */
export const CreatedBy = t.Object(
  { id: opt(t.String({ format: "uuid" })), type: opt(t.String()), display_value: opt(t.String()) },
  { additionalProperties: true },
);

const NullableUuid = opt(t.String({ format: "uuid" }));

/**
 * StateDetails as the SDK reads it back: ids are UUIDs, flags booleans. Datetimes stay strings here
 * and are checked and normalised by checkedState (prepareProposal), which names the field.
 */
export const StateDetails = t.Object(
  {
    flow_run_id: NullableUuid,
    task_run_id: NullableUuid,
    child_flow_run_id: NullableUuid,
    scheduled_time: opt(t.String()),
    cache_key: opt(t.String()),
    cache_expiration: opt(t.String()),
    deferred: opt(t.Boolean()),
    untrackable_result: t.Optional(t.Boolean()),
    pause_timeout: opt(t.String()),
    pause_reschedule: t.Optional(t.Boolean()),
    pause_key: opt(t.String()),
    run_input_keyset: opt(StringMap(t.String())),
    refresh_cache: opt(t.Boolean()),
    retriable: opt(t.Boolean()),
    transition_id: NullableUuid,
    task_parameters_id: NullableUuid,
    traceparent: opt(t.String()),
    deployment_concurrency_lease_id: NullableUuid,
  },
  { additionalProperties: true },
);

export const StateCreateModel = t.Object(
  {
    type: t.UnionEnum([...STATE_TYPES]),
    name: t.Optional(Nullable(t.String())),
    message: t.Optional(Nullable(t.String())),
    data: t.Optional(t.Any()),
    state_details: t.Optional(Nullable(StateDetails)),
  },
  { additionalProperties: true },
);

/** FlowRunCreate: the body of POST /flow_runs/ and what the store creates a run from. */
export const FlowRunCreateModel = t.Object(
  {
    flow_id: Uuid,
    name: t.Optional(Nullable(t.String())),
    state: t.Optional(Nullable(StateCreateModel)),
    flow_version: t.Optional(Nullable(t.String())),
    parameters: t.Optional(Obj),
    context: t.Optional(Obj),
    parent_task_run_id: t.Optional(Nullable(Uuid)),
    infrastructure_document_id: t.Optional(Nullable(Uuid)),
    empirical_policy: t.Optional(Nullable(FlowRunPolicy)),
    tags: t.Optional(t.Array(t.String())),
    labels: t.Optional(Labels),
    idempotency_key: t.Optional(Nullable(t.String())),
    work_queue_name: t.Optional(Nullable(t.String())),
    // The pool whose queue (work_queue_name, or its default queue) the run is placed in.
    work_pool_name: t.Optional(Nullable(t.String())),
    job_variables: t.Optional(Nullable(Obj)),
    deployment_id: t.Optional(Nullable(Uuid)),
    created_by: t.Optional(Nullable(CreatedBy)),
  },
  { additionalProperties: true },
);

/** FlowRunUpdate: the body of PATCH /flow_runs/{id}. */
export const FlowRunUpdateModel = t.Object(
  {
    // null leaves the name as it is, as in Prefect.
    name: t.Optional(Nullable(t.String())),
    flow_version: t.Optional(Nullable(t.String())),
    parameters: t.Optional(Obj),
    empirical_policy: t.Optional(FlowRunPolicy),
    tags: t.Optional(t.Array(t.String())),
    infrastructure_pid: t.Optional(Nullable(t.String())),
    job_variables: t.Optional(Nullable(Obj)),
  },
  { additionalProperties: true },
);

/** TaskRunCreate: the body of POST /task_runs/. */
export const TaskRunCreateModel = t.Object(
  {
    id: t.Optional(Nullable(Uuid)),
    name: t.Optional(Nullable(t.String())),
    flow_run_id: t.Optional(Nullable(Uuid)),
    task_key: t.String(),
    dynamic_key: t.String(),
    cache_key: t.Optional(Nullable(t.String())),
    cache_expiration: t.Optional(Nullable(t.String())),
    task_version: t.Optional(Nullable(t.String())),
    empirical_policy: t.Optional(Nullable(TaskRunPolicy)),
    tags: t.Optional(t.Array(t.String())),
    labels: t.Optional(Labels),
    task_inputs: t.Optional(Nullable(TaskInputs)),
    state: t.Optional(Nullable(StateCreateModel)),
  },
  { additionalProperties: true },
);

// What the store takes: the models' own types, with the state already checked (api/run-models.ts's
// checkedState normalises its datetimes) and an update's null name already dropped.
export type FlowRunCreate = Omit<Static<typeof FlowRunCreateModel>, "state"> & {
  state?: StateCreate | null;
  /** Set by the server for runs made from a deployment, never taken from a request. */
  deployment_version?: string | null;
  work_queue_id?: string | null;
  /** A run made from its deployment: created only while the deployment still exists (one transaction). */
  from_deployment?: boolean;
};
export type FlowRunUpdate = Omit<Static<typeof FlowRunUpdateModel>, "name"> & { name?: string };
export type TaskRunCreate = Omit<Static<typeof TaskRunCreateModel>, "state"> & { state?: StateCreate | null };
