// /api/artifacts: create (markdown, table, link, image, progress, or any type as given), read, update
// (the SDK's update_progress_artifact), delete, filter and count, and the latest artifact of each key
// (/artifacts/latest/filter, /artifacts/latest/count, /artifacts/{key}/latest).
import { Elysia, t } from "elysia";
import { AppError } from "../core/errors.ts";
import { ArtifactCreateModel, ArtifactUpdateModel, artifactInputOf, artifactPatchOf } from "../schemas/artifacts.ts";
import { artifactCollectionFilter, artifactFilter } from "../store/artifact-filters.ts";
import type { ArtifactChanges } from "../orchestration/artifacts.ts";
import { ARTIFACT_SORTS, type ArtifactsStore } from "../store/artifacts.ts";
import { deploymentFilter, flowFilter, flowRunFilter, taskRunFilter } from "../store/filters.ts";
import { IdParams, json, noContent, objectBody, pageOf } from "./common.ts";
import { pathName } from "./variables.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(t.Union([s, t.Null()]));
const bodyWith = (artifacts: typeof artifactFilter.model) =>
  t.Optional(
    t.Object(
      {
        artifacts,
        flow_runs: flowRunFilter.model,
        task_runs: taskRunFilter.model,
        flows: flowFilter.model,
        deployments: deploymentFilter.model,
        sort: opt(t.String()),
        limit: opt(t.Integer({ minimum: 0 })),
        offset: opt(t.Integer({ minimum: 0 })),
      },
      { additionalProperties: true },
    ),
  );
const FilterBody = bodyWith(artifactFilter.model);
const LatestFilterBody = bodyWith(artifactCollectionFilter.model);

const notFound = () => new AppError("not_found", "Artifact not found.");

export function artifactsApi(deps: { artifacts: ArtifactsStore; changes: ArtifactChanges; maxLimit: number }) {
  const { artifacts, changes, maxLimit } = deps;
  const page = (body: unknown) => pageOf(objectBody(body), maxLimit, ARTIFACT_SORTS);
  return (
    new Elysia({ name: "api.artifacts", prefix: "/artifacts" })
      .onTransform({ as: "local" }, ({ body, request }) => {
        if (request.method === "POST" || request.method === "PATCH") objectBody(body);
      })
      .post("/", async ({ body }) => json(await changes.create(artifactInputOf(body)), 201), {
        body: ArtifactCreateModel,
      })
      .post("/filter", ({ body }) => artifacts.filter(objectBody(body), page(body)), { body: FilterBody })
      .post("/count", ({ body }) => artifacts.count(objectBody(body)), { body: FilterBody })
      .post("/latest/filter", ({ body }) => artifacts.filterLatest(objectBody(body), page(body)), {
        body: LatestFilterBody,
      })
      .post("/latest/count", ({ body }) => artifacts.countLatest(objectBody(body)), { body: LatestFilterBody })
      .get("/:id", async ({ params }) => (await artifacts.get(params.id)) ?? Promise.reject(notFound()), {
        params: IdParams,
      })
      // Elysia allows one parameter name per position: the key arrives as `id`. Prefect answers with its
      // Artifact model read from the key's collection row: the collection's id and times, no latest_id.
      .get("/:id/latest", async ({ params }) => {
        const c = await artifacts.latest(pathName(params.id));
        if (!c) throw notFound();
        return {
          id: c.id,
          created: c.created,
          updated: c.updated,
          key: c.key,
          type: c.type,
          description: c.description,
          data: c.data,
          metadata_: c.metadata_,
          flow_run_id: c.flow_run_id,
          task_run_id: c.task_run_id,
        };
      })
      .patch(
        "/:id",
        async ({ params, body }) => {
          if (!(await artifacts.update(params.id, artifactPatchOf(body)))) throw notFound();
          return noContent();
        },
        { params: IdParams, body: ArtifactUpdateModel },
      )
      .delete(
        "/:id",
        async ({ params }) => {
          if (!(await changes.delete(params.id))) throw notFound();
          return noContent();
        },
        { params: IdParams },
      )
  );
}
