// The one place errors become HTTP: AppError kinds, Elysia's validation/parse/not-found codes and anything
// unexpected are turned into Prefect-style JSON bodies here and nowhere else.
import { Elysia } from "elysia";
import { AppError, type ErrorKind, isFieldIssues } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { classifyDbError } from "../db/errors.ts";
import { ErrorPage } from "../../views/pages/error.tsx";
import { jsonResponse } from "../core/responses.ts";

const STATUS: Record<ErrorKind, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 422,
  bad_request: 400,
  locked: 423,
  unauthorised: 401,
  forbidden: 403,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  not_implemented: 501,
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  jsonResponse(body, status, headers);

/** Prefect's request-validation body: FastAPI's error list wrapped by the server's handler. */
export function validationResponse(detail: unknown[], requestBody: unknown = null): Response {
  return json(422, {
    exception_message: "Invalid request received.",
    exception_detail: detail,
    request_body: requestBody,
  });
}

export function appErrorResponse(e: AppError): Response {
  const status = STATUS[e.kind];
  switch (e.kind) {
    case "invalid":
      // Lower layers name fields inside what was sent; every such input here is a request body.
      if (isFieldIssues(e.detail))
        return validationResponse(e.detail.fields.map((f) => ({ loc: ["body", ...f.path], msg: f.msg, type: f.type })));
      return validationResponse(
        Array.isArray(e.detail) ? e.detail : [{ loc: ["body"], msg: e.message, type: "value_error" }],
      );
    case "not_found":
      return json(404, { detail: e.message });
    case "unauthorised":
      return json(401, { exception_message: e.message }, { "www-authenticate": 'Basic realm="prefect-lite"' });
    case "unavailable":
      return json(503, { exception_message: e.message }, { "retry-after": "1" });
    case "locked": {
      // The SDK's concurrency clients read Retry-After with float(), and crash when it is missing.
      const after = (e.detail as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      return json(423, { detail: e.message }, after === undefined ? {} : { "retry-after": String(after) });
    }
    case "not_implemented":
      // The CLI prints exception_detail[0].msg for errors it does not know (prefect gcl create, …).
      return json(501, {
        exception_message: e.message,
        exception_detail: [{ loc: ["path"], msg: e.message, type: "not_implemented" }],
        request_body: null,
      });
    default:
      return json(status, { detail: e.message });
  }
}

interface ValidationIssue {
  path?: string;
  summary?: string;
  message?: string;
  value?: unknown;
  /** TypeBox: for a union, the errors of each of its variants. */
  errors?: Iterable<ValidationIssue>[];
}

const MAX_ISSUES = 20;
const KIND_ONLY = /^Expected \w+( value)?$/;

/**
 * A union (every optional filter is `object | null`) fails as a whole at its own path; the variant
 * that got furthest says what is really wrong, and where (body.flow_runs.id.any_.0, not body.flow_runs).
 */
function leafIssues(issue: ValidationIssue, depth = 0): ValidationIssue[] {
  if (!issue.errors?.length || depth > 32) return [issue];
  const own = String(issue.path ?? "").length;
  let best: ValidationIssue[] = [];
  let bestScore = -1;
  for (const variant of issue.errors) {
    const list = [...take(variant, MAX_ISSUES)];
    // "Expected null" only says the value was not null: the other variant knows more.
    if (list.every((i) => i.message === "Expected null")) continue;
    // Deeper first; at the same depth a broken constraint ("greater or equal to 0") says more than a
    // kind the value was not ("Expected string", from the numeric-string variant Elysia adds).
    const furthest = Math.max(own, ...list.map((i) => String(i.path ?? "").length));
    const informative = list.some((i) => !KIND_ONLY.test(i.message ?? ""));
    const score = furthest * 2 + (informative ? 1 : 0);
    if (score > bestScore) [best, bestScore] = [list, score];
  }
  return best.length ? best.flatMap((i) => leafIssues(i, depth + 1)) : [issue];
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  for (const item of items) {
    if (n-- <= 0) return;
    yield item;
  }
}

/** Browsers on dashboard pages get an HTML page; API clients keep Prefect's JSON bodies. */
function wantsHtml(request: Request): boolean {
  return (
    !new URL(request.url).pathname.startsWith("/api") && (request.headers.get("accept") ?? "").includes("text/html")
  );
}

async function htmlError(status: number, message: string): Promise<Response> {
  return new Response(await ErrorPage({ status, message }), {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

export const errors = new Elysia({ name: "api.errors" })
  .error({ AppError })
  .onError({ as: "global" }, async ({ code, error, request, set }) => {
    const response = await errorResponse(code, error, request);
    // The access log (api/access-log.ts) reads the status from here.
    set.status = response.status;
    return response;
  });

function errorResponse(code: string | number, error: unknown, request: Request): Response | Promise<Response> {
  // Nothing routes it, not even a 501 stub: a client of another kind, a typo, or a scanner.
  if (code === "NOT_FOUND") log.warn(`No route for ${request.method} ${new URL(request.url).pathname}`);
  if (wantsHtml(request) && (error instanceof AppError || code === "NOT_FOUND")) {
    return htmlError(
      error instanceof AppError ? STATUS[error.kind] : 404,
      error instanceof AppError ? error.message : "There is no page at this address.",
    );
  }
  if (error instanceof AppError) return appErrorResponse(error);
  switch (code) {
    case "NOT_FOUND":
      return json(404, { detail: "Not Found" });
    case "PARSE":
      // Elysia wraps what the body parser (api/transport.ts) throws; its own kind says what was wrong.
      if ((error as Error).cause instanceof AppError) return appErrorResponse((error as Error).cause as AppError);
      return validationResponse([
        { loc: ["body"], msg: "JSON decode error: the request body is not valid JSON", type: "json_invalid" },
      ]);
    case "VALIDATION": {
      const where = (error as { type?: string }).type ?? "body";
      // Prefect's routes use {id:uuid} converters: a malformed id matches no route at all.
      if (where === "params")
        return wantsHtml(request)
          ? htmlError(404, "There is no page at this address.")
          : json(404, { detail: "Not Found" });
      const all = ((error as { all?: ValidationIssue[] }).all ?? []) as ValidationIssue[];
      const detail = all
        .flatMap((i) => leafIssues(i))
        .slice(0, MAX_ISSUES)
        .map((i) => ({
          loc: [
            where,
            ...String(i.path ?? "")
              .split("/")
              .filter(Boolean)
              .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
          ],
          msg: i.summary ?? i.message ?? "Invalid value",
          type: "value_error",
        }));
      return validationResponse(detail.length ? detail : [{ loc: [where], msg: "Invalid value", type: "value_error" }]);
    }
    default: {
      const db = classifyDbError(error);
      const where = `${request.method} ${new URL(request.url).pathname}`;
      if (db) {
        if (db.kind === "unavailable") log.warn(`${where}: retryable database error`, error);
        return appErrorResponse(db);
      }
      // One line; the stack (and the bundled source Bun prints with it) only at DEBUG.
      log.error(`${where} failed`, error);
      return json(500, { exception_message: "Internal Server Error" });
    }
  }
}
