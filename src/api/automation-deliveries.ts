// GET /api/automations/{id}/deliveries: prefect-lite's own, read-only view of what an automation's
// actions did — each triggered action (newest first) with its status and every attempt's outcome,
// response code, error, duration and time. Prefect's server keeps no such record; the path is one
// Prefect does not use. Paged with limit/offset in the query; 404 for an unknown automation.
import { Elysia, t } from "elysia";
import { invalid } from "../core/errors.ts";
import type { AutomationActionsStore } from "../store/automation-actions.ts";
import type { AutomationsStore } from "../store/automations.ts";
import { IdParams, MAX_OFFSET, orNotFound } from "./common.ts";

/** A whole number from 0 to `max` given as ?name=…, else a Prefect-style 422 naming it. */
function whole(query: Record<string, string | undefined>, name: string, max: number, fallback: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (n <= max) return n;
  throw invalid(`${name} must be a whole number from 0 to ${max}`, [
    { loc: ["query", name], msg: `Input should be a whole number from 0 to ${max}`, type: "value_error", input: raw },
  ]);
}

export function automationDeliveriesApi(deps: {
  automations: AutomationsStore;
  actions: AutomationActionsStore;
  maxLimit: number;
}) {
  const { automations, actions, maxLimit } = deps;
  const Page = t.Object({ limit: t.Optional(t.String()), offset: t.Optional(t.String()) });
  return new Elysia({ name: "api.automation-deliveries" }).get(
    "/automations/:id/deliveries",
    async ({ params, query }) => {
      const limit = whole(query, "limit", maxLimit, maxLimit);
      const offset = whole(query, "offset", MAX_OFFSET, 0);
      orNotFound(await automations.get(params.id), "Automation");
      return actions.deliveries(params.id, limit, offset);
    },
    { params: IdParams, query: Page },
  );
}
