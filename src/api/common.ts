// Request pieces every resource shares: id params, pagination bodies, Prefect's status conventions.
import { t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import type { Page } from "../store/flows.ts";

export const Uuid = t.String({ format: "uuid", error: "Input should be a valid UUID" });
export const IdParams = t.Object({ id: Uuid });

export type Body = Record<string, any>;

/** limit/offset/sort of a filter body; limit defaults to and may not exceed PREFECT_SERVER_API_DEFAULT_LIMIT. */
export function pageOf(body: Body | null | undefined, maxLimit: number, sorts?: string[]): Page {
  const limit = body?.limit ?? maxLimit;
  const offset = body?.offset ?? 0;
  if (limit > maxLimit) {
    throw invalid(`limit must be less than or equal to ${maxLimit}`, [{ loc: ["body", "limit"], msg: `Input should be less than or equal to ${maxLimit}`, type: "less_than_equal", input: limit }]);
  }
  const sort = body?.sort ?? null;
  if (sort !== null && sorts && !sorts.includes(sort)) {
    throw invalid(`Unknown sort '${sort}'`, [{ loc: ["body", "sort"], msg: `Input should be ${sorts.map((s) => `'${s}'`).join(", ")}`, type: "enum", input: sort }]);
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
    throw invalid("The request body must be a JSON object.", [{ loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type", input: body }]);
  }
  return body as Body;
}

export const noContent = () => new Response(null, { status: 204 });

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export function orNotFound<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new AppError("not_found", `${what} not found`);
  return value;
}

// Prefect refuses these characters in object names (they break URLs and the UI).
const BANNED = /[\/%&><]/;
export function checkName(name: string, field = "name"): string {
  if (BANNED.test(name)) {
    throw invalid(`Name "${name}" contains an invalid character. Must not contain any of: / % & > <.`, [
      { loc: ["body", field], msg: "Name must not contain any of: / % & > <", type: "value_error", input: name },
    ]);
  }
  return name;
}
