// JSON in and out the way Prefect's FastAPI server does it: a body without a content type is JSON
// (clients before 3.6.19 sent none), a body that is not valid JSON is a 422 on every route (also where the
// body is optional, which Elysia would otherwise let pass as "no body"), and every returned value —
// numbers, strings, null — is JSON.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";

const DECODE_ERROR = [{ loc: ["body"], msg: "JSON decode error: the request body is not valid JSON", type: "json_invalid" }];

export const jsonTransport = new Elysia({ name: "api.transport" })
  .onParse({ as: "global" }, async ({ request, contentType }) => {
    if (contentType && !contentType.includes("json")) return;
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (!bytes.length) return;
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
