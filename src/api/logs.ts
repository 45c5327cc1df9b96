// /api/logs: the SDK's log shipping (POST /logs/ with a JSON array, 201 and a null body) and
// POST /logs/filter, which `prefect flow-run logs` pages through.
import { Elysia, t } from "elysia";
import { LogsFilterBody } from "./filter-models.ts";
import { invalid } from "../core/errors.ts";
import { normalizeTimestamp } from "../core/time.ts";
import { SORT_NAMES } from "../store/filters.ts";
import type { LogsStore } from "../store/logs.ts";
import type { LogStream } from "../events/log-stream.ts";
import { Int32, Uuid, json, objectBody, pageOf } from "./common.ts";

const NullableUuid = t.Optional(t.Union([Uuid, t.Null()]));

// Prefect's LogCreate. worker_id (Cloud only) and unknown keys are accepted and ignored.
const LogCreate = t.Object(
  {
    name: t.String(),
    level: Int32,
    message: t.String(),
    timestamp: t.String(),
    flow_run_id: NullableUuid,
    task_run_id: NullableUuid,
  },
  { additionalProperties: true },
);

// Ids are checked here so a malformed one is a 422, not a PostgreSQL cast error.
export function logsApi(deps: { logs: LogsStore; maxLimit: number; stream?: LogStream }) {
  const { logs, maxLimit } = deps;
  return new Elysia({ name: "api.logs", prefix: "/logs" })
    .post(
      "/",
      async ({ body }) => {
        // Validate the whole batch before writing any of it: a bad log refuses the request, nothing is stored.
        const issues: unknown[] = [];
        const rows = body.map((l, i) => {
          const timestamp = normalizeTimestamp(l.timestamp);
          if (!timestamp)
            issues.push({
              loc: ["body", i, "timestamp"],
              msg: "Input should be a valid datetime",
              type: "datetime_parsing",
              input: l.timestamp,
            });
          return {
            name: l.name,
            level: l.level,
            message: l.message,
            timestamp: timestamp ?? "",
            flow_run_id: l.flow_run_id ?? null,
            task_run_id: l.task_run_id ?? null,
          };
        });
        if (issues.length) throw invalid("Invalid log timestamp", issues);
        deps.stream?.publish(await logs.create(rows));
        return json(null, 201);
      },
      { body: t.Array(LogCreate) },
    )
    .post("/filter", ({ body }) => logs.filter(objectBody(body), pageOf(objectBody(body), maxLimit, SORT_NAMES.log)), {
      body: LogsFilterBody,
      transform: ({ body }) => void objectBody(body),
    });
}
