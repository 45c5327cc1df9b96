// /api/collections/views/{view}: the collection registry's views, as Prefect's server answers them
// offline. Prefect's route fetches a view from the prefect-collection-registry on GitHub and falls back to
// the files the `prefect` package ships; prefect-lite never goes online and answers those files, embedded
// in the binary (collection-views.json, written by build/worker-metadata.py from the pinned SDK). The SDK
// reads aggregate-worker-metadata for the known worker types and their default base job templates
// (`prefect work-pool create NAME -t TYPE`, and its error listing the types for an unknown one).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { jsonResponse } from "../core/responses.ts";
import COLLECTION_VIEWS from "./collection-views.json" with { type: "json" };

/**
 * Prefect's KNOWN_VIEWS (prefect/server/api/collections.py). The SDK ships data for some of them only;
 * for the rest Prefect's route, unable to reach the registry, fails with its generic 500. Ours answers
 * a 404 that says so: never a 500, and not a 503 the SDK would retry in vain.
 */
export const KNOWN_VIEWS: readonly string[] = [
  "aggregate-block-metadata",
  "aggregate-flow-metadata",
  "aggregate-worker-metadata",
  "demo-flows",
];

/** Each embedded view's body, serialised once (a Map: "constructor" or "__proto__" find nothing). */
const BODIES: ReadonlyMap<string, string> = new Map(
  Object.entries(COLLECTION_VIEWS as Record<string, unknown>).map(([view, content]) => [view, JSON.stringify(content)]),
);

export function collectionsApi() {
  return new Elysia({ name: "api.collections", prefix: "/collections" }).get(
    "/views/:view",
    ({ params: { view } }) => {
      // Starlette routes the decoded path, so an encoded slash leaves Prefect's route unmatched.
      if (view.includes("/")) return jsonResponse({ detail: "Not Found" }, 404);
      const body = BODIES.get(view);
      if (body !== undefined) return new Response(body, { headers: { "content-type": "application/json" } });
      if (!KNOWN_VIEWS.includes(view)) throw new AppError("not_found", `View ${view} not found in registry`);
      log.debug(`Collection view ${view} has no data in the prefect SDK and prefect-lite does not fetch it`);
      throw new AppError("not_found", `View ${view} has no data offline`);
    },
    { params: t.Object({ view: t.String() }) },
  );
}
