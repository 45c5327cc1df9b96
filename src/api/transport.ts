// JSON in and out the way Prefect's FastAPI server does it: a body without a content type is JSON
// (clients before 3.6.19 sent none), a body that is not valid JSON is a 422 on every route (also where the
// body is optional, which Elysia would otherwise let pass as "no body"), and every returned value —
// numbers, strings, null — is JSON.
//
// The API reads nothing but JSON: a form or text body (what an HTML form on another site can send
// without a CORS preflight) is refused before it is read, and so is JSON nested deeper than Prefect's
// parser accepts, before JSON.parse or validation spend time and memory on it.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../core/json-depth.ts";

const DECODE_ERROR = [
  { loc: ["body"], msg: "JSON decode error: the request body is not valid JSON", type: "json_invalid" },
];
const TOO_DEEP = [
  { loc: ["body"], msg: `JSON decode error: nested more than ${MAX_JSON_DEPTH} levels deep`, type: "json_invalid" },
];

/** FastAPI's test: application/json or application/<anything>+json, parameters ignored. */
export function isJsonType(contentType: string): boolean {
  const type = contentType.split(";")[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

export const jsonTransport = new Elysia({ name: "api.transport" })
  .onParse({ as: "global" }, async ({ request, contentType }) => {
    if (contentType && !isJsonType(contentType)) {
      // Dashboard forms post urlencoded bodies to their own routes; the API takes JSON only.
      if (!new URL(request.url).pathname.startsWith("/api/")) return;
      throw new AppError(
        "unsupported_media_type",
        `Unsupported content type '${contentType.split(";")[0]}': send application/json.`,
      );
    }
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (!bytes.length) return;
    if (nestsDeeperThan(bytes)) throw new AppError("invalid", "JSON decode error", TOO_DEEP);
    try {
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      throw new AppError("invalid", "JSON decode error", DECODE_ERROR);
    }
  })
  .mapResponse({ as: "global" }, ({ response, set }) => {
    if (response instanceof Response) return response;
    if (typeof set.headers["content-type"] === "string" && !set.headers["content-type"].includes("json")) return;
    const status = typeof set.status === "number" ? set.status : 200;
    return new Response(JSON.stringify(response ?? null), { status, headers: { "content-type": "application/json" } });
  });
