// Request pieces every resource shares: id params, pagination bodies, Prefect's status conventions.
import { t } from "elysia";
import { Uuid } from "../schemas/common.ts";
import { AppError, invalid } from "../core/errors.ts";
import type { Page } from "../store/page.ts";
import type { JsonObject } from "../core/json.ts";
import { jsonResponse } from "../core/responses.ts";

export { Int32, Uuid } from "../schemas/common.ts";
export const IdParams = t.Object({ id: Uuid });

export type Body = JsonObject;

/**
 * The furthest a page may start: any offset up to here binds as an exact integer on both databases;
 * beyond it a number is no longer exact in JavaScript (1e20) and the database refuses it.
 */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

const tooFar = (field: "offset" | "page", input: unknown) =>
  invalid(`${field} is too large`, [
    {
      loc: ["body", field],
      msg: `Input should start a page at most ${MAX_OFFSET} rows in`,
      type: "less_than_equal",
      input,
    },
  ]);

/**
 * limit/offset/sort of a filter body; limit defaults to and may not exceed PREFECT_SERVER_API_DEFAULT_LIMIT.
 * With `byPage` (the /paginate routes) the offset comes from the 1-based `page` instead.
 */
export function pageOf(body: Body | null | undefined, maxLimit: number, sorts?: string[], byPage = false): Page {
  const limit = body?.limit ?? maxLimit;
  if (limit > maxLimit) {
    throw invalid(`limit must be less than or equal to ${maxLimit}`, [
      {
        loc: ["body", "limit"],
        msg: `Input should be less than or equal to ${maxLimit}`,
        type: "less_than_equal",
        input: limit,
      },
    ]);
  }
  const offset = byPage ? ((body?.page ?? 1) - 1) * limit : (body?.offset ?? 0);
  if (!(offset <= MAX_OFFSET)) throw byPage ? tooFar("page", body?.page) : tooFar("offset", body?.offset);
  const sort = body?.sort ?? null;
  if (sort !== null && sorts && !sorts.includes(sort)) {
    throw invalid(`Unknown sort '${sort}'`, [
      {
        loc: ["body", "sort"],
        msg: `Input should be ${sorts.map((s) => `'${s}'`).join(", ")}`,
        type: "enum",
        input: sort,
      },
    ]);
  }
  return { limit, offset, sort };
}

/** Page-number pagination (`/paginate`): page starts at 1. */
export function paginate<T>(results: T[], count: number, limit: number, page: number) {
  return { results, count, limit, pages: limit ? Math.ceil(count / limit) : 0, page };
}

/** A filter body: absent means "no filter"; anything but an object is a 422. */
export function objectBody(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw invalid("The request body must be a JSON object.", [
      { loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type", input: body },
    ]);
  }
  return body as Body;
}

export const noContent = () => new Response(null, { status: 204 });

export const json = jsonResponse;

export function orNotFound<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new AppError("not_found", `${what} not found`);
  return value;
}

// Prefect refuses these characters in object names (they break URLs and the UI).
const BANNED = /[/%&><]/;
export function checkName(name: string, field = "name"): string {
  if (BANNED.test(name)) {
    throw invalid(`Name "${name}" contains an invalid character. Must not contain any of: / % & > <.`, [
      { loc: ["body", field], msg: "Name must not contain any of: / % & > <", type: "value_error", input: name },
    ]);
  }
  return name;
}

/** OpenAPI `detail` for a route whose 200 is text of one media type rather than JSON. */
export function textResponse(mediaType: string, description: string) {
  return { responses: { 200: { description, content: { [mediaType]: { schema: { type: "string" as const } } } } } };
}
