// JSON in and out the way Prefect's FastAPI server does it: a body without a content type is JSON
// (clients before 3.6.19 sent none), and every returned value — numbers, strings, null — is JSON.
import { Elysia } from "elysia";
import { AppError } from "../core/errors.ts";

export const jsonTransport = new Elysia({ name: "api.transport" })
  .onParse({ as: "global" }, async ({ request, contentType }) => {
    if (contentType) return;
    const text = await request.text();
    if (!text) return;
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError("invalid", "JSON decode error", [{ loc: ["body"], msg: "JSON decode error: the request body is not valid JSON", type: "json_invalid" }]);
    }
  })
  .mapResponse({ as: "global" }, ({ response, set }) => {
    if (response instanceof Response) return response;
    if (typeof set.headers["content-type"] === "string" && !set.headers["content-type"].includes("json")) return;
    const status = typeof set.status === "number" ? set.status : 200;
    return new Response(JSON.stringify(response ?? null), { status, headers: { "content-type": "application/json" } });
  });
