// The schema the fuzzer runs: Prefect's published OpenAPI schema cut down to the operations the app
// routes (test/fuzz/operations.ts) and corrected where the schema FastAPI generates for Prefect's server
// says something that server does not do. Every correction below is one such place; none loosens a
// check to hide a prefect-lite bug: each describes what Prefect's own server answers.

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/**
 * A path with every parameter as `{}` and no trailing slash: Elysia's `:id` and OpenAPI's `{id}` compare
 * equal, and so do the schema's `/events` and our `/events/` (Elysia is not strict about the slash).
 */
export const pathShape = (path: string) => path.replace(/:[^/]+|\{[^}]+\}/g, "{}").replace(/(.)\/$/, "$1");

/** The API version header the SDK sends; the header check accepts it and answers 400 to a malformed one. */
const SDK_API_VERSION = "0.8.4";

const json = (schema: unknown) => ({ content: { "application/json": { schema } } });

// Errors Prefect's server raises from handlers and dependencies shared by every route, which FastAPI
// cannot see and so leaves out of each operation's responses: 400 from the X-PREFECT-API-VERSION check,
// 404 for an unknown id (HTTPException, or the ObjectNotFound handler's `exception_message`), 409 from
// the integrity-error handler.
const HTTP_ERROR = {
  anyOf: [
    { type: "object", required: ["detail"], properties: { detail: { type: "string" } } },
    { type: "object", required: ["exception_message"], properties: { exception_message: { type: "string" } } },
  ],
};
const SHARED_ERRORS = [400, 404, 409];

// Statuses single routes of Prefect's server raise by hand (HTTPException), likewise absent from the
// schema: a forged or expired page token, a lease that is gone, a concurrency limit that is full.
const ROUTE_ERRORS: Record<string, number[]> = {
  "GET /events/filter/next": [403],
  "POST /v2/concurrency_limits/leases/{}/renew": [410],
  "POST /v2/concurrency_limits/increment-with-lease": [423],
  // Reserved block type names, protected block types and their schemas (prefect/server/api/block_*.py).
  "POST /block_types": [403],
  "DELETE /block_types/{}": [403],
  "DELETE /block_schemas/{}": [403],
  "POST /v2/concurrency_limits/increment": [423],
  "POST /concurrency_limits/increment": [423],
};

/** Create routes that answer 200 with what exists (set by hand, so absent from the schema). */
const ANSWERS_EXISTING_200 = new Set(["POST /block_schemas"]);

// Prefect's 422 is never the HTTPValidationError the schema names (`detail`: array): its validation
// handler answers {exception_message, exception_detail, request_body}, and routes that reject a
// well-typed value by hand (CSRF token while CSRF is off, a history interval under a second) answer
// HTTPException's {detail: string}. Both are checked strictly, so a 422 of another shape still fails.
const PREFECT_422 = {
  anyOf: [
    {
      type: "object",
      required: ["exception_message", "exception_detail"],
      properties: {
        exception_message: { type: "string" },
        exception_detail: { type: "array", items: { $ref: "#/components/schemas/ValidationError" } },
      },
    },
    { type: "object", required: ["detail"], properties: { detail: { type: "string" } } },
  ],
};

/**
 * Create routes (POST on a collection, and PUT /saved_searches/, an upsert), set_state and a run made
 * from a deployment answer 201 at run time when they write, 200 when not (Prefect's
 * create_flow_run_from_deployment and create_saved_search set 201 too).
 */
const answers201 = (method: string, path: string) =>
  (method === "post" && (path.endsWith("/") || path.endsWith("/set_state") || path.endsWith("/create_flow_run"))) ||
  (method === "put" && path.endsWith("/saved_searches/"));

/**
 * Routes Prefect answers with text, whose schema says JSON (its StreamingResponse and PlainTextResponse
 * declare no media type): the logs CSV download and a flow run input's value.
 */
const TEXT_200: Record<string, string> = {
  "GET /flow_runs/{}/logs/download": "text/csv",
  "GET /flow_runs/{}/input/{}": "text/plain",
};

/** Routes that answer a bare 204 (prefect/server/api/templates.py returns Response(status_code=204)). */
const NO_CONTENT_204 = new Set(["POST /templates/validate", "POST /automations/templates/validate"]);

function adjustOperation(method: string, path: string, op: any) {
  const responses = { ...op.responses };
  const text = TEXT_200[`${method.toUpperCase()} ${pathShape(path)}`];
  if (text) responses["200"] = { description: "Text", content: { [text]: { schema: { type: "string" } } } };
  if (NO_CONTENT_204.has(`${method.toUpperCase()} ${pathShape(path)}`))
    responses["204"] = { description: "No Content" };
  if (answers201(method, path) && responses["200"] && !responses["201"]) responses["201"] = responses["200"];
  if (ANSWERS_EXISTING_200.has(`${method.toUpperCase()} ${pathShape(path)}`) && responses["201"] && !responses["200"])
    responses["200"] = responses["201"];
  if (responses["422"]) responses["422"] = { description: "Validation Error", ...json(PREFECT_422) };
  for (const code of [...SHARED_ERRORS, ...(ROUTE_ERRORS[`${method.toUpperCase()} ${pathShape(path)}`] ?? [])]) {
    responses[String(code)] ??= { description: "Error", ...json(HTTP_ERROR) };
  }
  // The schema types the header as any string, so most generated requests would carry a malformed
  // version and stop at the 400 before reaching the route. Positive cases send the SDK's version;
  // negative cases still send malformed ones, which must answer the 400 declared above.
  const parameters = (op.parameters ?? []).map((p: any) =>
    p.in === "header" && p.name.toLowerCase() === "x-prefect-api-version"
      ? { ...p, schema: { type: "string", enum: [SDK_API_VERSION] } }
      : p,
  );
  return { ...op, parameters, responses };
}

/**
 * Prefect marks secret settings (api.auth_string, database.connection_url…) writeOnly, which the
 * validator reads as "must never appear in a response"; Prefect's GET /admin/settings returns them
 * obfuscated all the same, as we do. Dropping writeOnly keeps their type checked.
 */
function dropWriteOnly(node: any): any {
  if (Array.isArray(node)) return node.map(dropWriteOnly);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== "writeOnly") out[k] = dropWriteOnly(v);
  return out;
}

/** Prefect's schema with only the routed operations ("GET /flows/{}" shapes), each adjusted as above. */
export function fuzzSchema(schema: any, routed: Set<string>) {
  const included: string[] = [];
  const excluded: string[] = [];
  const paths: Record<string, any> = {};
  for (const [path, item] of Object.entries<any>(schema.paths)) {
    const kept: Record<string, any> = {};
    for (const [key, op] of Object.entries<any>(item)) {
      if (!METHODS.includes(key))
        kept[key] = op; // path-level parameters and the like
      else if (routed.has(`${key.toUpperCase()} ${pathShape(path)}`)) {
        kept[key] = adjustOperation(key, path, op);
        included.push(`${key.toUpperCase()} ${path}`);
      } else excluded.push(`${key.toUpperCase()} ${path}`);
    }
    if (Object.keys(kept).some((k) => METHODS.includes(k))) paths[path] = kept;
  }
  return { schema: { ...schema, paths, components: dropWriteOnly(schema.components) }, included, excluded };
}
