// /api/logs: the SDK's log shipping (POST /logs/ with a JSON array, 201 and a null body) and
// POST /logs/filter, which `prefect flow-run logs` pages through.
import { Elysia, t } from "elysia";
import { invalid } from "../core/errors.ts";
import { normalizeTimestamp } from "../orchestration/time.ts";
import { SORT_NAMES } from "../store/filters.ts";
import type { LogsStore } from "../store/logs.ts";
import { json, pageOf, Uuid } from "./common.ts";

const NullableUuid = t.Optional(t.Union([Uuid, t.Null()]));

// Prefect's LogCreate. worker_id (Cloud only) and unknown keys are accepted and ignored.
const LogCreate = t.Object(
  { name: t.String(), level: t.Integer(), message: t.String(), timestamp: t.String(), flow_run_id: NullableUuid, task_run_id: NullableUuid },
  { additionalProperties: true },
);

const IdList = t.Optional(t.Union([t.Object({ any_: t.Optional(t.Union([t.Array(Uuid), t.Null()])) }, { additionalProperties: true }), t.Null()]));

// Ids are checked here so a malformed one is a 422, not a PostgreSQL cast error.
const LogFilterBody = t.Optional(
  t.Object(
    {
      logs: t.Optional(t.Union([t.Object({ flow_run_id: IdList, task_run_id: IdList }, { additionalProperties: true }), t.Null()])),
      limit: t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()])),
      offset: t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()])),
      sort: t.Optional(t.Union([t.String(), t.Null()])),
    },
    { additionalProperties: true },
  ),
);

export function logsApi(deps: { logs: LogsStore; maxLimit: number }) {
  const { logs, maxLimit } = deps;
  return new Elysia({ name: "api.logs", prefix: "/logs" })
    .post(
      "/",
      async ({ body }) => {
        // Validate the whole batch before writing any of it: a bad log refuses the request, nothing is stored.
        const issues: unknown[] = [];
        const rows = body.map((l, i) => {
          const timestamp = normalizeTimestamp(l.timestamp);
          if (!timestamp) issues.push({ loc: ["body", i, "timestamp"], msg: "Input should be a valid datetime", type: "datetime_parsing", input: l.timestamp });
          return { name: l.name, level: l.level, message: l.message, timestamp: timestamp ?? "", flow_run_id: l.flow_run_id ?? null, task_run_id: l.task_run_id ?? null };
        });
        if (issues.length) throw invalid("Invalid log timestamp", issues);
        await logs.create(rows);
        return json(null, 201);
      },
      { body: t.Array(LogCreate) },
    )
    .post("/filter", ({ body }) => logs.filter(body ?? {}, pageOf(body, maxLimit, SORT_NAMES.log)), { body: LogFilterBody });
}
