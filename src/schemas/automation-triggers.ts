// Prefect's server trigger models (prefect/server/events/schemas/automations.py): event triggers
// (Reactive or Proactive, with match, match_related, after, expect, for_each, threshold, within) and
// the compound and sequence triggers that combine them. Every trigger gets a fresh id on save, as
// Prefect's reset_ids() does; within is answered in seconds.
import { type Issues, isObject, int, oneOf, type Path, seconds, strings } from "./automation-checks.ts";

/** Labels to values (a value may be a list; "*" wildcards and "!" negations are kept as written). */
export type ResourceSpec = Record<string, string | string[]>;

export interface EventTrigger {
  type: "event";
  id: string;
  match: ResourceSpec;
  match_related: ResourceSpec | ResourceSpec[];
  after: string[];
  expect: string[];
  for_each: string[];
  posture: "Reactive" | "Proactive";
  threshold: number;
  within: number;
}

export interface CompositeTrigger {
  type: "compound" | "sequence";
  id: string;
  triggers: Trigger[];
  within: number | null;
  require?: number | "any" | "all";
}

export type Trigger = EventTrigger | CompositeTrigger;

function spec(v: unknown, path: Path, is: Issues): ResourceSpec | undefined {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return is.add(path, "Input should be a valid dictionary", "dict_type");
  const out: ResourceSpec = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
    else if (Array.isArray(val) && val.every((x) => typeof x === "string")) out[k] = val as string[];
    else is.add([...path, k], "Input should be a valid string or a list of strings", "string_type");
  }
  return out;
}

function eventTrigger(o: Record<string, unknown>, path: Path, is: Issues): EventTrigger | undefined {
  const posture = oneOf(o.posture, ["Reactive", "Proactive"] as const, [...path, "posture"], is);
  if (o.within === null) is.add([...path, "within"], "Value error, `within` should be a valid timedelta");
  let within = seconds(o.within ?? undefined, [...path, "within"], is, 0);
  if (within !== undefined && within < 0)
    within = is.add([...path, "within"], "Input should be greater than or equal to 0", "greater_than_equal");
  if (posture === "Proactive" && within !== undefined) {
    if (within === 0) within = 10;
    else if (within < 10)
      is.add([...path], "Value error, `within` for Proactive triggers must be greater than or equal to 10 seconds");
  }
  const mr = o.match_related;
  const match_related = Array.isArray(mr)
    ? mr.map((m, i) => spec(m, [...path, "match_related", i], is) ?? {})
    : spec(mr, [...path, "match_related"], is);
  const t: Partial<EventTrigger> = {
    type: "event",
    id: crypto.randomUUID(),
    match: spec(o.match, [...path, "match"], is),
    match_related,
    after: strings(o.after, [...path, "after"], is, true),
    expect: strings(o.expect, [...path, "expect"], is, true),
    for_each: strings(o.for_each, [...path, "for_each"], is, true),
    posture,
    threshold: int(o.threshold, [...path, "threshold"], is, 1),
    within,
  };
  return t as EventTrigger;
}

function compositeTrigger(
  o: Record<string, unknown>,
  path: Path,
  is: Issues,
  depth: number,
): CompositeTrigger | undefined {
  const type = o.type as "compound" | "sequence";
  if (!Array.isArray(o.triggers))
    return is.add(
      [...path, "triggers"],
      o.triggers === undefined ? "Field required" : "Input should be a valid list",
      o.triggers === undefined ? "missing" : "list_type",
    );
  const triggers = o.triggers.map((x, i) => parseTrigger(x, [...path, "triggers", i], is, depth + 1)) as Trigger[];
  const within =
    o.within === undefined || o.within === null ? null : (seconds(o.within, [...path, "within"], is, 0) ?? null);
  const t: CompositeTrigger = { type, id: crypto.randomUUID(), triggers, within };
  if (type === "compound") {
    const r = o.require;
    if (r === "any" || r === "all") t.require = r;
    else if (typeof r === "number" && Number.isInteger(r)) {
      if (r < 1) is.add(path, "Value error, require must be at least 1");
      else if (r > triggers.length)
        is.add(path, "Value error, require must be less than or equal to the number of triggers");
      t.require = r;
    } else
      is.add(
        [...path, "require"],
        r === undefined ? "Field required" : "Input should be a valid integer, or 'any' or 'all'",
        r === undefined ? "missing" : "literal_error",
      );
  }
  return t;
}

/** A trigger as the server stores it; composites nest at most a few levels (a guard against abuse). */
export function parseTrigger(v: unknown, path: Path, is: Issues, depth = 0): Trigger | undefined {
  if (!isObject(v))
    return is.add(
      path,
      v === undefined ? "Field required" : "Input should be a valid dictionary",
      v === undefined ? "missing" : "model_type",
    );
  if (depth > 8) return is.add(path, "Value error, triggers nest too deeply");
  const type = v.type ?? "event";
  if (type === "event") return eventTrigger(v, path, is);
  if (type === "compound" || type === "sequence") return compositeTrigger(v, path, is, depth);
  return is.add(
    [...path, "type"],
    "Input tag does not match any of the expected tags: 'event', 'compound', 'sequence'",
    "union_tag_invalid",
  );
}

/** Every trigger in a tree, the root first (Prefect's all_triggers()). */
export function allTriggers(t: Trigger): Trigger[] {
  return t.type === "event" ? [t] : [t, ...t.triggers.flatMap(allTriggers)];
}
