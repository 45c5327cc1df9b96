// Prefect's client Event → ReceivedEvent, validated the way the server's pydantic model does it where it
// matters (ids, timestamps, resource ids and roles, the size limits) and leniently elsewhere: unknown
// keys are dropped rather than refused, so newer clients keep working. Used by POST /events and
// /events/in, so both accept and refuse the same things.
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from "../core/json-depth.ts";
import { nowTimestamp, normalizeTimestamp } from "../core/time.ts";
import type { ReceivedEvent } from "./bus.ts";
import { canonicalUuid } from "../core/uuid.ts";

// Prefect's defaults: PREFECT_SERVER_EVENTS_MAXIMUM_LABELS_PER_RESOURCE, …_MAXIMUM_RELATED_RESOURCES,
// …_MAXIMUM_EVENT_NAME_LENGTH.
export const MAX_LABELS = 500;
export const MAX_RELATED = 100;
export const MAX_EVENT_NAME = 1024;

/** Canonical lower-case, hyphenated form (Python's str(UUID)), or null when it is not a UUID. */
export const normalizeUuid = (value: unknown): string | null =>
  typeof value === "string" ? canonicalUuid(value.trim()) : null;

/** One validation problem in pydantic's shape (loc, msg, type), for 422 bodies and log lines. */
export interface EventIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

export type Parsed = { ok: true; event: ReceivedEvent } | { ok: false; issues: EventIssue[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Labels are strings; scalars are stringified (lenient), anything else is refused. */
function labels(value: unknown, loc: Array<string | number>, issues: EventIssue[]): Record<string, string> | null {
  if (!isObject(value)) {
    issues.push({ loc, msg: "Input should be a valid dictionary", type: "dict_type" });
    return null;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else issues.push({ loc: [...loc, k], msg: "Input should be a valid string", type: "string_type" });
  }
  const count = Object.keys(out).length;
  if (count > MAX_LABELS)
    issues.push({ loc, msg: `The maximum number of labels per resource is ${MAX_LABELS}`, type: "value_error" });
  if (!out["prefect.resource.id"])
    issues.push({ loc, msg: "Resources must include the prefect.resource.id label", type: "value_error" });
  return out;
}

/**
 * Validates a client Event and stamps `received` (Event.receive()). `loc` prefixes issue locations
 * (["body", 3] for the fourth event of a POST body).
 */
export function parseEvent(input: unknown, received = nowTimestamp(), loc: Array<string | number> = []): Parsed {
  const issues: EventIssue[] = [];
  if (!isObject(input))
    return { ok: false, issues: [{ loc, msg: "Input should be a valid dictionary", type: "model_type" }] };
  // WebSocket frames arrive already parsed, past the HTTP body's depth check; storing a deeper one would
  // overflow the stack in JSON.stringify.
  if (valueNestsDeeperThan(input))
    return {
      ok: false,
      issues: [{ loc, msg: `Nested more than ${MAX_JSON_DEPTH} levels deep`, type: "json_invalid" }],
    };
  const id = normalizeUuid(input.id);
  if (!id) issues.push({ loc: [...loc, "id"], msg: "Input should be a valid UUID", type: "uuid_parsing" });
  const occurred = typeof input.occurred === "string" ? normalizeTimestamp(input.occurred) : null;
  if (!occurred)
    issues.push({ loc: [...loc, "occurred"], msg: "Input should be a valid datetime", type: "datetime_parsing" });
  const name = input.event;
  if (typeof name !== "string")
    issues.push({ loc: [...loc, "event"], msg: "Input should be a valid string", type: "string_type" });
  else if (name.length > MAX_EVENT_NAME) {
    issues.push({
      loc: [...loc, "event"],
      msg: `Event name must be at most ${MAX_EVENT_NAME} characters`,
      type: "value_error",
    });
  }
  const resource = labels(input.resource, [...loc, "resource"], issues);
  const related: Array<Record<string, string>> = [];
  if (input.related !== undefined && input.related !== null) {
    if (!Array.isArray(input.related))
      issues.push({ loc: [...loc, "related"], msg: "Input should be a valid list", type: "list_type" });
    else {
      if (input.related.length > MAX_RELATED) {
        issues.push({
          loc: [...loc, "related"],
          msg: `The maximum number of related resources is ${MAX_RELATED}`,
          type: "value_error",
        });
      }
      input.related.forEach((r, i) => {
        const l = labels(r, [...loc, "related", i], issues);
        if (!l) return;
        if (!l["prefect.resource.role"]) {
          issues.push({
            loc: [...loc, "related", i],
            msg: "Related Resources must include the prefect.resource.role label",
            type: "value_error",
          });
        }
        related.push(l);
      });
    }
  }
  let payload: Record<string, unknown> = {};
  if (input.payload !== undefined && input.payload !== null) {
    if (isObject(input.payload)) payload = input.payload;
    else issues.push({ loc: [...loc, "payload"], msg: "Input should be a valid dictionary", type: "dict_type" });
  }
  let follows: string | null = null;
  if (input.follows !== undefined && input.follows !== null) {
    follows = normalizeUuid(input.follows);
    if (!follows) issues.push({ loc: [...loc, "follows"], msg: "Input should be a valid UUID", type: "uuid_parsing" });
  }
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    event: {
      occurred: occurred!,
      event: name as string,
      resource: resource!,
      related,
      payload,
      id: id!,
      follows,
      received,
    },
  };
}

/** The JSON form Prefect sends (ReceivedEvent.model_dump(mode="json") field order). */
export function eventJson(e: ReceivedEvent): ReceivedEvent {
  return {
    occurred: e.occurred,
    event: e.event,
    resource: e.resource,
    related: e.related,
    payload: e.payload,
    id: e.id,
    follows: e.follows,
    received: e.received,
  };
}
