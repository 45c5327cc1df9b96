// Prefect's EventFilter (prefect/server/events/filters.py): parsed once into a normalised shape, then
// turned into SQL over `events` / `event_resources` (for /events/filter, count-by and the /events/out
// backfill) and into an in-memory predicate (for live /events/out streaming). Both readings are kept
// side by side so they agree: a backfilled event and a live one pass the same test.
//
// Label patterns are globs: `*` and `?` are wildcards, a leading `!` negates, matching is
// case-sensitive on both dialects (Prefect's SQLite LIKE is case-insensitive; fnmatchcase is not — we
// side with the in-memory reading). An absent label never matches, negated or not.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import { invalidFields } from "../core/errors.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import { normalizeUuid } from "../events/schema.ts";
import { addSeconds, normalizeTimestamp, nowTimestamp } from "../core/time.ts";
import { and, list, or, type Fragments } from "./sql.ts";
import type { JsonObject } from "../core/json.ts";

type Json = JsonObject;
export type LabelSpec = Record<string, string[]>;

export interface ResourceFilter {
  id: string[];
  id_prefix: string[];
  labels: LabelSpec | null;
  distinct: boolean;
}
export interface RelatedFilter {
  id: string[];
  role: string[];
  resources_in_roles: Array<[string, string]>;
  labels: LabelSpec | null;
}
export interface AnyResourceFilter {
  id: string[];
  id_prefix: string[];
  labels: LabelSpec | null;
}

/** A parsed EventFilter: every list present (empty = no condition), times resolved. JSON-serialisable. */
export interface EventFilter {
  occurred: { since: string; until: string };
  event: { prefix: string[]; exclude_prefix: string[]; name: string[]; exclude_name: string[] } | null;
  resource: ResourceFilter | null;
  related: RelatedFilter[];
  any_resource: AnyResourceFilter[];
  id: { id: string[] };
  text: { query: string } | null;
  order: "ASC" | "DESC";
}

const DAY = 86_400;

function fail(where: string, msg: string): never {
  throw invalidFields(`Invalid event filter: ${where}: ${msg}`, [
    { path: ["filter", ...where.split(".")], msg, type: "value_error" },
  ]);
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A sub-filter: absent or null is none; anything but an object is a 422 naming it. */
function section(v: unknown, where: string): Json | null {
  if (v === undefined || v === null) return null;
  return isObj(v) ? v : fail(where, "Input should be a valid dictionary");
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) fail(where, "Input should be a valid list of strings");
  return v as string[];
}

function time(v: unknown, where: string, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  const n = typeof v === "string" ? normalizeTimestamp(v) : null;
  if (!n) fail(where, "Input should be a valid datetime");
  return n;
}

function labelSpec(v: unknown, where: string): LabelSpec | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) fail(where, "Input should be a valid dictionary");
  const out: LabelSpec = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = [val];
    else out[k] = strings(val, `${where}.${k}`);
  }
  return out;
}

function many<T>(v: unknown, one: (x: unknown, where: string) => T, where: string): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map((x, i) => one(x, `${where}.${i}`)) : [one(v, where)];
}

const startOfDay = (ts: string) => `${ts.slice(0, 10)}T00:00:00.000000Z`;

/**
 * Parses an EventFilter body. Defaults as Prefect 3.9.1: occurred.since = start of today − 180 days,
 * occurred.until = now, order DESC. Unknown keys are ignored (Prefect refuses them; we stay lenient).
 */
export function parseEventFilter(input: unknown, now = nowTimestamp()): EventFilter {
  const f: Json =
    input === undefined || input === null
      ? {}
      : isObj(input)
        ? input
        : fail("filter", "Input should be a valid dictionary");
  const occ: Json = section(f.occurred, "occurred") ?? {};
  const occurred = {
    since: time(occ.since, "occurred.since", addSeconds(startOfDay(now), -180 * DAY)),
    until: time(occ.until, "occurred.until", now),
  };
  const ev = section(f.event, "event");
  const event = ev && {
    prefix: strings(ev.prefix, "event.prefix"),
    exclude_prefix: strings(ev.exclude_prefix, "event.exclude_prefix"),
    name: strings(ev.name, "event.name"),
    exclude_name: strings(ev.exclude_name, "event.exclude_name"),
  };
  const res = section(f.resource, "resource");
  const resource = res && {
    id: strings(res.id, "resource.id"),
    id_prefix: strings(res.id_prefix, "resource.id_prefix"),
    labels: labelSpec(res.labels, "resource.labels"),
    distinct: res.distinct === true,
  };
  const related = many(
    f.related,
    (r, where) => {
      if (!isObj(r)) fail(where, "Input should be a valid dictionary");
      const pairs = r.resources_in_roles ?? [];
      if (
        !Array.isArray(pairs) ||
        pairs.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((s: unknown) => typeof s !== "string"))
      ) {
        fail(`${where}.resources_in_roles`, "Input should be a list of [resource id, role] pairs");
      }
      return {
        id: strings(r.id, `${where}.id`),
        role: strings(r.role, `${where}.role`),
        resources_in_roles: pairs as Array<[string, string]>,
        labels: labelSpec(r.labels, `${where}.labels`),
      };
    },
    "related",
  );
  const any_resource = many(
    f.any_resource,
    (r, where) => {
      if (!isObj(r)) fail(where, "Input should be a valid dictionary");
      return {
        id: strings(r.id, `${where}.id`),
        id_prefix: strings(r.id_prefix, `${where}.id_prefix`),
        labels: labelSpec(r.labels, `${where}.labels`),
      };
    },
    "any_resource",
  );
  const ids = strings(section(f.id, "id")?.id, "id.id").map(
    (s) => normalizeUuid(s) ?? fail("id.id", "Input should be a valid UUID"),
  );
  const textFilter = section(f.text, "text");
  if (textFilter && textFilter.query !== undefined && textFilter.query !== null && typeof textFilter.query !== "string")
    fail("text.query", "Input should be a valid string");
  const text = typeof textFilter?.query === "string" ? { query: textFilter.query } : null;
  if (text && text.query.length > 200) fail("text.query", "String should have at most 200 characters");
  const order =
    f.order === "ASC"
      ? "ASC"
      : f.order === undefined || f.order === null || f.order === "DESC"
        ? "DESC"
        : fail("order", "Input should be 'ASC' or 'DESC'");
  return { occurred, event, resource, related, any_resource, id: { id: ids }, text, order };
}

// ---------------------------------------------------------------------------------------------------
// Text search (prefect/server/utilities/text_search_parser.py): terms are OR-ed, -term / !term exclude,
// +term is required, "quoted phrases" stay together; matching is a case-insensitive substring test.

export function parseTextQuery(query: string): { include: string[]; exclude: string[]; required: string[] } {
  const out = { include: [] as string[], exclude: [] as string[], required: [] as string[] };
  for (const m of query.matchAll(/([-!+]?)(?:"((?:\\.|[^"\\])*)"?|([^\s"]+))/g)) {
    const term = m[2] !== undefined ? m[2].replace(/\\(["\\])/g, "$1") : m[3];
    if (!term?.trim()) continue;
    (m[1] === "+" ? out.required : m[1] ? out.exclude : out.include).push(term);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// SQL

const sqliteGlob = (p: string) => p.replace(/\[/g, "[[]");
const pgLike = (p: string) =>
  p
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, "%")
    .replace(/\?/g, "_");

function globSql(col: SQL, pattern: string, d: Fragments): SQL {
  const neg = pattern.startsWith("!");
  const p = neg ? pattern.slice(1) : pattern;
  const m = d.dialect === "sqlite" ? sql`${col} GLOB ${sqliteGlob(p)}` : sql`${col} LIKE ${pgLike(p)} ESCAPE '\\'`;
  return neg ? sql`NOT (${m})` : m;
}

/** The text of one label of a resource JSON column (NULL when absent). */
function labelSql(col: SQL, label: string, d: Fragments): SQL {
  if (d.dialect === "pg") return sql`(${col} ->> ${label})`;
  // A JSON path cannot quote a key holding `"`; json_each can look up any key (slower, so only then).
  if (label.includes('"')) return sql`(SELECT json_each.value FROM json_each(${col}) WHERE json_each.key = ${label})`;
  return sql`json_extract(${col}, ${`$."${label}"`})`;
}

const startsWith = (col: SQL, prefix: string): SQL => sql`substr(${col}, 1, ${prefix.length}) = ${prefix}`;
const inList = (col: SQL, values: string[]): SQL => sql`${col} IN (${list(values)})`;

/** Conditions on event_resources for a label spec; id and role live in their own columns there. */
function labelConds(spec: LabelSpec, d: Fragments, withRole: boolean): SQL[] {
  const conds: SQL[] = [];
  for (const [label, values] of Object.entries(spec)) {
    if (label === "prefect.resource.id") {
      if (values.length) conds.push(or(values.map((v) => globSql(sql`event_resources.resource_id`, v, d))));
    } else if (label === "prefect.resource.role" && withRole) {
      if (values.length) conds.push(inList(sql`event_resources.resource_role`, values));
    } else if (!values.length) {
      conds.push(sql`1 = 0`); // Prefect: an empty list of values matches nothing
    } else {
      conds.push(or(values.map((v) => globSql(labelSql(sql`event_resources.resource`, label, d), v, d))));
    }
  }
  return conds;
}

/** `events.id IN (event_resources in the occurred window WHERE conds)`, as Prefect scopes it. */
function viaResources(f: EventFilter, conds: SQL[]): SQL {
  return sql`events.id IN (SELECT event_resources.event_id FROM event_resources WHERE event_resources.occurred >= ${f.occurred.since} AND event_resources.occurred <= ${f.occurred.until} AND ${and(conds)})`;
}

function searchableSql(d: Fragments): SQL {
  return d.dialect === "sqlite"
    ? sql`(events.event || ' ' || events.resource || ' ' || events.related || ' ' || events.payload)`
    : sql`concat(events.event, ' ', events.resource::text, ' ', events.related::text, ' ', events.payload::text)`;
}

/** WHERE conditions on `events` for a parsed filter. */
export function eventWhere(f: EventFilter, d: Fragments): SQL {
  const conds: SQL[] = [sql`events.occurred >= ${f.occurred.since}`, sql`events.occurred <= ${f.occurred.until}`];
  const e = f.event;
  if (e) {
    if (e.prefix.length) conds.push(or(e.prefix.map((p) => startsWith(sql`events.event`, p))));
    for (const p of e.exclude_prefix) conds.push(sql`NOT (${startsWith(sql`events.event`, p)})`);
    if (e.name.length) conds.push(inList(sql`events.event`, e.name));
    if (e.exclude_name.length) conds.push(sql`events.event NOT IN (${list(e.exclude_name)})`);
  }
  const r = f.resource;
  if (r) {
    if (r.id.length) conds.push(inList(sql`events.resource_id`, r.id));
    if (r.id_prefix.length) conds.push(or(r.id_prefix.map((p) => startsWith(sql`events.resource_id`, p))));
    if (r.labels)
      conds.push(viaResources(f, [sql`event_resources.resource_role = ''`, ...labelConds(r.labels, d, false)]));
  }
  for (const rel of f.related) {
    const rc: SQL[] = [];
    if (rel.id.length) rc.push(inList(sql`event_resources.resource_id`, rel.id));
    if (rel.role.length) rc.push(inList(sql`event_resources.resource_role`, rel.role));
    if (rel.resources_in_roles.length) {
      rc.push(
        or(
          rel.resources_in_roles.map(
            ([id, role]) => sql`(event_resources.resource_id = ${id} AND event_resources.resource_role = ${role})`,
          ),
        ),
      );
    }
    if (rel.labels) rc.push(and(labelConds(rel.labels, d, true)));
    // A related filter is about related resources: the primary one (role '') is left out unless a role asks for it.
    if (rc.length && !rel.role.length) rc.push(sql`event_resources.resource_role <> ''`);
    if (rc.length) conds.push(viaResources(f, rc));
  }
  for (const any of f.any_resource) {
    const ac: SQL[] = [];
    if (any.id.length) ac.push(inList(sql`event_resources.resource_id`, any.id));
    if (any.id_prefix.length) ac.push(or(any.id_prefix.map((p) => startsWith(sql`event_resources.resource_id`, p))));
    if (any.labels) ac.push(and(labelConds(any.labels, d, true)));
    if (ac.length) conds.push(viaResources(f, ac));
  }
  if (f.id.id.length) conds.push(inList(sql`events.id`, f.id.id));
  if (f.text?.query.trim()) {
    const q = parseTextQuery(f.text.query);
    const s = searchableSql(d);
    if (q.include.length) conds.push(or(q.include.map((t) => d.contains(s, t))));
    for (const t of q.exclude) conds.push(sql`NOT (${d.contains(s, t)})`);
    for (const t of q.required) conds.push(d.contains(s, t));
  }
  return and(conds);
}

// ---------------------------------------------------------------------------------------------------
// In memory (live /events/out)

function globMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const neg = pattern.startsWith("!");
  const p = neg ? pattern.slice(1) : pattern;
  const re = new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, "[\\s\\S]*")
      .replace(/\?/g, "[\\s\\S]")}$`,
  );
  return re.test(value) !== neg;
}

function labelsMatch(spec: LabelSpec, r: Record<string, string>, role: string, withRole: boolean): boolean {
  for (const [label, values] of Object.entries(spec)) {
    if (label === "prefect.resource.id") {
      if (values.length && !values.some((v) => globMatch(v, r[label]))) return false;
    } else if (label === "prefect.resource.role" && withRole) {
      if (values.length && !values.includes(role)) return false;
    } else if (label === "prefect.resource.role") {
      return false; // the primary resource has no role label
    } else if (!values.some((v) => globMatch(v, r[label]))) return false;
  }
  return true;
}

const searchableText = (e: ReceivedEvent) =>
  `${e.event} ${JSON.stringify(e.resource)} ${JSON.stringify(e.related)} ${JSON.stringify(e.payload)}`.toLowerCase();

/** Does the event pass the filter? The same reading as eventWhere, on one event. */
export function eventMatches(f: EventFilter, e: ReceivedEvent): boolean {
  if (e.occurred < f.occurred.since || e.occurred > f.occurred.until) return false;
  const ev = f.event;
  if (ev) {
    if (ev.prefix.length && !ev.prefix.some((p) => e.event.startsWith(p))) return false;
    if (ev.exclude_prefix.some((p) => e.event.startsWith(p))) return false;
    if (ev.name.length && !ev.name.includes(e.event)) return false;
    if (ev.exclude_name.includes(e.event)) return false;
  }
  const rid = e.resource["prefect.resource.id"];
  const r = f.resource;
  if (r) {
    if (r.id.length && !r.id.includes(rid)) return false;
    if (r.id_prefix.length && !r.id_prefix.some((p) => rid.startsWith(p))) return false;
    if (r.labels && !labelsMatch(r.labels, e.resource, "", false)) return false;
  }
  for (const rel of f.related) {
    const active = rel.id.length || rel.role.length || rel.resources_in_roles.length || rel.labels;
    if (!active) continue;
    const candidates = [
      { r: e.resource, role: "" },
      ...e.related.map((x) => ({ r: x, role: x["prefect.resource.role"] })),
    ];
    const hit = candidates.some(({ r: c, role }) => {
      const id = c["prefect.resource.id"];
      if (!rel.role.length && role === "") return false;
      if (rel.id.length && !rel.id.includes(id)) return false;
      if (rel.role.length && !rel.role.includes(role)) return false;
      if (rel.resources_in_roles.length && !rel.resources_in_roles.some(([i, ro]) => i === id && ro === role))
        return false;
      return !rel.labels || labelsMatch(rel.labels, c, role, true);
    });
    if (!hit) return false;
  }
  for (const any of f.any_resource) {
    if (!any.id.length && !any.id_prefix.length && !any.labels) continue;
    const candidates = [
      { r: e.resource, role: "" },
      ...e.related.map((x) => ({ r: x, role: x["prefect.resource.role"] })),
    ];
    const hit = candidates.some(({ r: c, role }) => {
      const id = c["prefect.resource.id"];
      if (any.id.length && !any.id.includes(id)) return false;
      if (any.id_prefix.length && !any.id_prefix.some((p) => id.startsWith(p))) return false;
      return !any.labels || labelsMatch(any.labels, c, role, true);
    });
    if (!hit) return false;
  }
  if (f.id.id.length && !f.id.id.includes(e.id)) return false;
  if (f.text?.query.trim()) {
    const q = parseTextQuery(f.text.query);
    const s = searchableText(e);
    if (q.include.length && !q.include.some((t) => s.includes(t.toLowerCase()))) return false;
    if (q.exclude.some((t) => s.includes(t.toLowerCase()))) return false;
    if (!q.required.every((t) => s.includes(t.toLowerCase()))) return false;
  }
  return true;
}
