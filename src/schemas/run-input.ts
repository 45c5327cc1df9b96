// Input sent to resume a paused flow run, checked against the schema the paused flow stored (a pydantic
// model's JSON schema, from pause_flow_run(wait_for_input=…)) with the same validator deployments'
// parameters use, so the schema is vetted before Ajv compiles it (schemas/parameters.ts).
import { AppError } from "../core/errors.ts";
import { checkParameterSchema, parameterIssues } from "./parameters.ts";

/** Why `input` cannot resume the run (Prefect's REJECT reasons), or null when it fits. */
export function runInputProblem(input: Record<string, unknown>, schemaText: string): string | null {
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch {
    return "Run input schema is not valid JSON.";
  }
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return "Run input schema is not valid JSON.";
  try {
    checkParameterSchema(schema as Record<string, unknown>);
    const issues = parameterIssues(input, schema as Record<string, unknown>);
    if (!issues.length) return null;
    const first = issues[0]!;
    const where = first.path.length ? `Validation failed for field '${first.path.join(".")}'.` : "Validation failed.";
    return `Reason: ${where} Failure reason: ${first.message}`;
  } catch (e) {
    if (e instanceof AppError) return `Invalid schema: ${e.message}`;
    throw e;
  }
}
