// /api/flow_runs/{id}/input: keyed values for a run (Prefect's flow run inputs). A value is text (the SDK
// sends JSON it encoded itself) and reads back as text/plain, as Prefect's PlainTextResponse does.
import { Elysia, t } from "elysia";
import type { FlowRunInputsStore } from "../store/flow-run-inputs.ts";
import { IdParams, json, noContent, orNotFound, textResponse, Uuid } from "./common.ts";

// Prefect's FlowRunInput.key: raise_on_name_alphanumeric_dashes_only.
const Key = t.String({ pattern: "^[a-z0-9-]*$", maxLength: 1024 });

export function flowRunInputsApi(deps: { flowRunInputs: FlowRunInputsStore; maxLimit: number }) {
  const { flowRunInputs, maxLimit } = deps;
  const KeyParams = t.Object({ id: Uuid, key: t.String() });
  const notFound = () => orNotFound(null, "Flow run input");
  return new Elysia({ name: "api.flow-run-inputs", prefix: "/flow_runs" })
    .post(
      "/:id/input",
      async ({ params, body }) => {
        orNotFound(await flowRunInputs.create(params.id, body), "Flow run");
        return json(null, 201);
      },
      {
        params: IdParams,
        body: t.Object({ key: Key, value: t.String(), sender: t.Optional(t.Union([t.String(), t.Null()])) }),
      },
    )
    .post(
      "/:id/input/filter",
      ({ params, body }) => flowRunInputs.filter(params.id, body.prefix, body.limit ?? 1, body.exclude_keys ?? []),
      {
        params: IdParams,
        body: t.Object({
          prefix: t.String(),
          limit: t.Optional(t.Integer({ minimum: 0, maximum: maxLimit })),
          exclude_keys: t.Optional(t.Array(t.String(), { maxItems: 10_000 })),
        }),
      },
    )
    .get(
      "/:id/input/:key",
      async ({ params }) => {
        const found = await flowRunInputs.read(params.id, params.key);
        if (!found) return notFound();
        return new Response(found.value, { headers: { "content-type": "text/plain; charset=utf-8" } });
      },
      { params: KeyParams, detail: textResponse("text/plain", "The input's value as it was stored") },
    )
    .delete(
      "/:id/input/:key",
      async ({ params }) => {
        if (!(await flowRunInputs.delete(params.id, params.key))) return notFound();
        return noContent();
      },
      { params: KeyParams },
    );
}
