// The SDK sends X-PREFECT-API-VERSION on every request; Prefect answers 400 to a malformed or too-old one.
import { Elysia } from "elysia";
import { jsonResponse } from "../core/responses.ts";

const MIN = [0, 8, 0];

export const apiVersionCheck = new Elysia({ name: "api.version-check" }).onRequest(({ request }) => {
  const header = request.headers.get("x-prefect-api-version");
  // Empty counts as absent, as in Prefect (`if not x_prefect_api_version`).
  if (header === null || header.trim() === "") return;
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(header.trim());
  const bad = (detail: string) => jsonResponse({ detail }, 400);
  if (!m)
    return bad(`Invalid X-PREFECT-API-VERSION header format. Expected header in format 'x.y.z' but received ${header}`);
  const v = m.slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    if (v[i] > MIN[i]) return;
    if (v[i] < MIN[i])
      return bad(
        `The current server version 0.8.4 requires clients using API version >= 0.8.0. Your version is ${header}.`,
      );
  }
});
