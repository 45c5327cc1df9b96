// Work pool, work queue and worker request models (Prefect's WorkPoolCreate/Update, WorkQueueCreate/
// Update, the heartbeat and polling bodies), the store's input types, and Prefect's check of a base job
// template (every {{ placeholder }} of job_configuration declared under variables.properties).
import { type Static, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import { Nullable, Obj, Uuid } from "./common.ts";
import { checkParameterSchema, parameterIssues } from "./parameters.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(Nullable(s));
const Limit = t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
// Far below PostgreSQL's integer maximum, so shifting the other queues down never overflows it.
const Priority = t.Integer({ minimum: 1, maximum: 1_000_000_000 });
const Name = t.String({ minLength: 1, maxLength: 1_000 });

const StorageConfiguration = t.Object(
  {
    bundle_upload_step: opt(Obj),
    bundle_execution_step: opt(Obj),
    default_result_storage_block_id: opt(Uuid),
  },
  // Prefect's WorkPoolStorageConfiguration forbids other keys.
  { additionalProperties: false },
);

/** Prefect's deprecated QueueFilter (tag-based queues): stored and returned, never used. */
const QueueFilter = t.Object(
  {
    tags: opt(t.Array(t.String(), { maxItems: 1_000 })),
    deployment_ids: opt(t.Array(Uuid, { maxItems: 1_000 })),
  },
  { additionalProperties: true },
);

export const WorkPoolCreateModel = t.Object(
  {
    name: Name,
    description: opt(t.String()),
    type: t.Optional(t.String({ minLength: 1, maxLength: 1_000 })),
    base_job_template: t.Optional(Obj),
    is_paused: t.Optional(t.Boolean()),
    concurrency_limit: opt(Limit),
    storage_configuration: t.Optional(StorageConfiguration),
  },
  { additionalProperties: true },
);

export const WorkPoolUpdateModel = t.Object(
  {
    description: opt(t.String()),
    is_paused: opt(t.Boolean()),
    base_job_template: opt(Obj),
    concurrency_limit: opt(Limit),
    storage_configuration: opt(StorageConfiguration),
  },
  { additionalProperties: true },
);

export const WorkQueueCreateModel = t.Object(
  {
    name: Name,
    description: opt(t.String()),
    is_paused: t.Optional(t.Boolean()),
    concurrency_limit: opt(Limit),
    priority: opt(Priority),
    // Deprecated tag-based queues: stored and returned, never used to select runs (as in Prefect 3).
    filter: opt(QueueFilter),
    // Only the top-level /work_queues route takes the pool by id.
    work_pool_id: opt(Uuid),
  },
  { additionalProperties: true },
);

export const WorkQueueUpdateModel = t.Object(
  {
    name: opt(Name),
    description: opt(t.String()),
    is_paused: opt(t.Boolean()),
    concurrency_limit: opt(Limit),
    priority: opt(Priority),
    last_polled: opt(t.String()),
    filter: opt(QueueFilter),
  },
  { additionalProperties: true },
);

export const WorkerHeartbeatModel = t.Object(
  {
    name: Name,
    heartbeat_interval_seconds: opt(t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  },
  { additionalProperties: true },
);

export type WorkPoolCreateBody = Static<typeof WorkPoolCreateModel>;
export type WorkPoolUpdateBody = Static<typeof WorkPoolUpdateModel>;
export type WorkQueueCreateBody = Static<typeof WorkQueueCreateModel>;
export type WorkQueueUpdateBody = Static<typeof WorkQueueUpdateModel>;

/** What the store writes for a new pool (the API has applied Prefect's defaults). */
export interface WorkPoolInput {
  name: string;
  description: string | null;
  type: string;
  base_job_template: Record<string, unknown>;
  is_paused: boolean;
  concurrency_limit: number | null;
  storage_configuration: Record<string, unknown>;
}

/** The columns an update names (absent: unchanged). */
export interface WorkPoolPatch {
  description?: string | null;
  is_paused?: boolean;
  base_job_template?: Record<string, unknown>;
  concurrency_limit?: number | null;
  storage_configuration?: Record<string, unknown>;
}

export interface WorkQueueInput {
  name: string;
  description: string;
  is_paused: boolean;
  concurrency_limit: number | null;
  priority: number | null;
  filter: Record<string, unknown> | null;
}

export interface WorkQueuePatch {
  name?: string;
  description?: string | null;
  is_paused?: boolean;
  concurrency_limit?: number | null;
  priority?: number;
  last_polled?: string | null;
  filter?: Record<string, unknown> | null;
}

// Prefect's placeholder: {{ name }}, where a name is letters, digits, _, ., - and [ ].
const PLACEHOLDER = /\{\{\s*([\w.\-[\]$]+)\s*\}\}/g;

/**
 * Prefect's validate_base_job_template: an empty template is fine; otherwise it has both
 * job_configuration and variables, and every placeholder job_configuration uses (other than
 * prefect.* block and variable references, resolved elsewhere) is a property of the variables schema.
 */
export function checkBaseJobTemplate(v: Record<string, unknown>, path: Array<string | number>): void {
  if (Object.keys(v).length === 0) return;
  const fail = (msg: string): never => {
    throw invalidFields(msg, [{ path, msg: `Value error, ${msg}`, type: "value_error" }]);
  };
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  const config = isObj(v.job_configuration) ? v.job_configuration : {};
  const variables = isObj(v.variables) ? v.variables : {};
  if (!Object.keys(config).length || !Object.keys(variables).length)
    fail("The `base_job_template` must contain both a `job_configuration` key and a `variables` key.");
  const used = new Set<string>();
  for (const template of Object.values(config))
    for (const m of JSON.stringify(template ?? null).matchAll(PLACEHOLDER)) used.add(m[1]!);
  // Deployments' job variables are checked against it: a schema that would stall that, or that does
  // not compile, is refused now rather than at every deployment.
  checkParameterSchema(variables, [...path, "variables"]);
  try {
    parameterIssues({}, variables, true);
  } catch (e) {
    fail(`The variables schema of the \`base_job_template\` is not a valid JSON schema: ${(e as Error).message}`);
  }
  const props = isObj(variables.properties) ? variables.properties : {};
  const missing = [...used].filter((n) => !n.startsWith("prefect.") && !(n in props));
  if (missing.length)
    fail(
      "The variables specified in the job configuration template must be present as properties in the " +
        `variables schema. Your job configuration uses the following undeclared variable(s): ${missing.join(" ,")}.`,
    );
}

/**
 * Prefect's check_valid_configuration: a deployment's job variables against its pool's variables schema,
 * required keys aside (the pool's defaults fill them). A mismatch is Prefect's 409.
 */
export function jobVariableIssue(jobVariables: unknown, template: Record<string, unknown>): string | null {
  const schema = template.variables;
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return null;
  const [first] = parameterIssues(jobVariables ?? {}, schema as Record<string, unknown>, true);
  if (!first) return null;
  const where = first.path.length ? `Validation failed for field '${first.path.join(".")}'.` : "Validation failed.";
  return `${where} Failure reason: ${first.message}`;
}
