// Flow-run parameters checked against a deployment's parameter_openapi_schema, as Prefect's
// utilities/schema_tools/validation.py does: JSON Schema 2020-12 after the same preprocessing (optional
// fields without a default may be null, tuple `items` lists become `prefixItems`). The API and the
// dashboard's Run form call the same function, so a form shows exactly the error the API would give.
//
// Ajv (with ajv-formats) rather than a hand-written validator: it implements the whole 2020-12 draft,
// compiles each schema once, and its errors carry the failing instance path we name fields by.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { invalidFields } from "../core/errors.ts";

type Schema = Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, validateSchema: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

// Compiled validators by schema text; deployments share few distinct schemas, but the cache is bounded.
const MAX_CACHED = 256;
const compiled = new Map<string, ValidateFunction>();

function fixNullTyping(key: string, schema: Schema, required: string[]): void {
  if (!required.includes(key) && "type" in schema && schema.type !== "null" && !("default" in schema)) {
    schema.anyOf = [{ type: schema.type }, { type: "null" }];
    delete schema.type;
  }
}

function fixTupleItems(schema: Schema): void {
  if (Array.isArray(schema.items) && !schema.prefixItems) {
    schema.prefixItems = schema.items;
    delete schema.items;
  }
}

function processProperties(properties: Record<string, Schema>, required: string[]): void {
  for (const [key, schema] of Object.entries(properties)) {
    if (!schema || typeof schema !== "object") continue;
    fixNullTyping(key, schema, required);
    fixTupleItems(schema);
    if (schema.properties && typeof schema.properties === "object")
      processProperties(schema.properties as Record<string, Schema>, (schema.required as string[]) ?? []);
  }
}

/** Prefect's preprocess_schema: a copy with pydantic v1's quirks fixed. */
export function preprocessSchema(schema: Schema): Schema {
  const s = structuredClone(schema);
  if (s.properties && typeof s.properties === "object")
    processProperties(s.properties as Record<string, Schema>, (s.required as string[]) ?? []);
  const defs = s.definitions as Record<string, Schema> | undefined;
  if (defs && typeof defs === "object") {
    for (const def of Object.values(defs)) {
      if (def?.properties && typeof def.properties === "object")
        processProperties(def.properties as Record<string, Schema>, (def.required as string[]) ?? []);
    }
  }
  return s;
}

function validatorFor(schema: Schema): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (v) return v;
  try {
    v = ajv.compile(preprocessSchema(schema));
  } catch (e) {
    throw invalidFields(`Invalid parameter schema: ${(e as Error).message}`, [
      { path: ["parameter_openapi_schema"], msg: (e as Error).message, type: "value_error" },
    ]);
  }
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, v);
  return v;
}

export interface ParameterIssue {
  /** The parameter's path, e.g. ["x"] or ["config", "retries"]. */
  path: string[];
  message: string;
}

function issueOf(e: ErrorObject): ParameterIssue {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (e.keyword === "required") path.push(String((e.params as { missingProperty: string }).missingProperty));
  const message = e.keyword === "required" ? `'${path.at(-1)}' is a required property` : `${e.message ?? "is invalid"}`;
  return { path, message };
}

/** Every problem with `parameters` under `schema` (empty when they fit); `ignoreRequired` as Prefect's. */
export function parameterIssues(parameters: unknown, schema: Schema, ignoreRequired = false): ParameterIssue[] {
  const s = ignoreRequired ? withoutRequired(schema) : schema;
  const validate = validatorFor(s);
  if (validate(parameters)) return [];
  // anyOf/oneOf report one error per branch; the first per path is the clearest.
  const seen = new Set<string>();
  const out: ParameterIssue[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === "anyOf" || e.keyword === "oneOf") continue;
    const issue = issueOf(e);
    const key = issue.path.join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out.length ? out : [{ path: [], message: "does not match the parameter schema" }];
}

/**
 * Throws a 422 naming each parameter that does not fit (`field` is where parameters sit in the body).
 * The message reads as Prefect's: "Validation failed for field 'x'. Failure reason: …".
 */
export function checkParameters(parameters: unknown, schema: Schema, opts: { ignoreRequired?: boolean } = {}): void {
  const issues = parameterIssues(parameters, schema, opts.ignoreRequired);
  if (!issues.length) return;
  const first = issues[0];
  const where = first.path.length ? `Validation failed for field '${first.path.join(".")}'.` : "Validation failed.";
  throw invalidFields(
    `${where} Failure reason: ${first.message}`,
    issues.map((i) => ({ path: ["parameters", ...i.path], msg: i.message, type: "parameter_schema" })),
  );
}

function withoutRequired(value: unknown): Schema {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "required") out[k] = strip(x);
    return out;
  };
  return strip(value) as Schema;
}
