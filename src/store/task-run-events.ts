// Task runs from client-side orchestration events (prefect/server/services/task_run_recorder.py): the
// SDK decides every task-run transition itself and only reports it as a `prefect.task-run.<State>`
// event. A batch of such events becomes, in one transaction:
//   - one upsert of the task_run row per task run, taken from the batch's newest event for it, written
//     only when that event's state is newer than the stored one (events arrive late, resent, or out of
//     order: an old event must never regress the state);
//   - one task_run_state row per event, id = event id, ON CONFLICT DO NOTHING (resends change nothing).
// A task run is keyed by its id and, inside a flow run, by (flow_run_id, task_key, dynamic_key); when a
// row already exists under either key, the existing id wins.
import { Value } from "@sinclair/typebox/value";
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import type { ReceivedEvent } from "../events/bus.ts";
import { normalizeUuid } from "../events/schema.ts";
import {
  DATETIME_DETAIL_FIELDS,
  isStateType,
  makeDraft,
  nowTimestamp,
  normalizeTimestamp,
  type StateDraft,
} from "../orchestration/index.ts";
import { Labels, StateDetails, TaskInputs, TaskRunPolicy } from "../schemas/runs.ts";
import { and, list, or, fragmentsFor, type Fragments } from "./sql.ts";
import type { JsonObject } from "../core/json.ts";

export interface RecordOutcome {
  /** Events whose task run and state were written (or were already there). */
  recorded: number;
  /** Events naming a flow run that does not exist (yet): the caller may retry them later. */
  deferred: ReceivedEvent[];
  /** Events that cannot be task-run state events (bad ids, no task_key, unknown state type …). */
  rejected: Array<{ event: ReceivedEvent; reason: string }>;
}

type ColumnValue = string | number | null | SQL;

interface Item {
  event: ReceivedEvent;
  id: string; // task run id, may be rewritten to an existing row's id
  flowRunId: string | null;
  taskKey: string;
  dynamicKey: string;
  timestamp: string; // the state's timestamp = event.occurred
  columns: Record<string, ColumnValue>; // written on insert and update
  insertOnly: Record<string, ColumnValue>; // written on insert only (required columns the payload lacked)
  state: StateDraft;
}

const TEXT = ["name", "task_key", "dynamic_key", "cache_key", "task_version"];
const TIMES = ["expected_start_time", "next_scheduled_start_time", "start_time", "end_time", "cache_expiration"];
const INTS = ["run_count", "flow_run_run_count"];
// The same models the API checks these fields with: an event is another way in.
const JSON_OBJECTS = { empirical_policy: TaskRunPolicy, labels: Labels, task_inputs: TaskInputs } as const;
const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads one event into an Item, or the reason it is not a task-run state event. */
export function itemFromEvent(event: ReceivedEvent, d: Fragments): Item | string {
  const rid = event.resource["prefect.resource.id"] ?? "";
  const id = rid.startsWith("prefect.task-run.") ? normalizeUuid(rid.slice("prefect.task-run.".length)) : null;
  if (!id) return `resource id ${JSON.stringify(rid)} is not a task run`;
  // Prefect takes the first related resource in the flow-run role.
  const fr = event.related.find((r) => r["prefect.resource.role"] === "flow-run");
  const flowRunId = fr ? normalizeUuid((fr["prefect.resource.id"] ?? "").replace(/^prefect\.flow-run\./, "")) : null;
  if (fr && !flowRunId) return `related flow run ${JSON.stringify(fr["prefect.resource.id"])} is not a flow run id`;
  const tr = event.payload.task_run;
  const vs = event.payload.validated_state;
  if (!isObj(tr)) return "payload.task_run is missing";
  if (!isObj(vs) || !isStateType(vs.type)) return "payload.validated_state has no valid type";
  if (typeof tr.task_key !== "string" || typeof tr.dynamic_key !== "string")
    return "payload.task_run needs task_key and dynamic_key";

  // Only what the payload carries is written (Prefect's exclude_unset), so an event never blanks a column.
  const columns: Record<string, ColumnValue> = {};
  for (const k of TEXT)
    if (typeof tr[k] === "string" || (tr[k] === null && k !== "name" && k in tr)) columns[k] = tr[k];
  for (const k of TIMES) {
    if (!(k in tr)) continue;
    if (tr[k] === null) columns[k] = null;
    else if (typeof tr[k] === "string" && normalizeTimestamp(tr[k])) columns[k] = normalizeTimestamp(tr[k]);
    else return `payload.task_run.${k} is not a datetime`;
  }
  for (const k of INTS) if (Number.isInteger(tr[k])) columns[k] = tr[k];
  if (typeof tr.total_run_time === "number" && Number.isFinite(tr.total_run_time))
    columns.total_run_time = tr.total_run_time;
  for (const [k, model] of Object.entries(JSON_OBJECTS)) {
    if (!isObj(tr[k])) continue;
    if (!Value.Check(model, tr[k])) return `payload.task_run.${k} does not fit Prefect's model`;
    columns[k] = d.json(tr[k]);
  }
  if (Array.isArray(tr.tags)) columns.tags = d.json(tr.tags);

  if (isObj(vs.state_details) && !Value.Check(StateDetails, vs.state_details))
    return "payload.validated_state.state_details does not fit Prefect's model";
  const details: Record<string, unknown> = {
    ...(isObj(vs.state_details) ? vs.state_details : {}),
    task_run_id: id,
    flow_run_id: flowRunId,
  };
  for (const k of DATETIME_DETAIL_FIELDS) {
    if (typeof details[k] !== "string") continue;
    const ts = normalizeTimestamp(details[k] as string);
    if (!ts) return `payload.validated_state.state_details.${k} is not a datetime`;
    details[k] = ts;
  }
  const state = makeDraft(vs.type, {
    name: vs.name,
    message: vs.message,
    data: vs.data,
    state_details: details as never,
  });

  Object.assign(columns, {
    flow_run_id: flowRunId,
    state_id: event.id,
    state_type: state.type,
    state_name: state.name,
    state_timestamp: event.occurred,
  });
  // The SDK's own naming (`<task>-<first 3 of the dynamic key>`) when the payload has no name.
  const insertOnly: Record<string, ColumnValue> =
    "name" in columns ? {} : { name: `${tr.task_key}-${tr.dynamic_key.slice(0, 3)}` };
  return {
    event,
    id,
    flowRunId,
    taskKey: tr.task_key,
    dynamicKey: tr.dynamic_key,
    timestamp: event.occurred,
    columns,
    insertOnly,
    state,
  };
}

const idKey = (it: Item) => `id:${it.id}`;
const naturalKey = (it: Item) => (it.flowRunId ? `nk:${it.flowRunId}|${it.taskKey}|${it.dynamicKey}` : null);

/** Groups items that must become one row: same id or same natural key, transitively (union-find). */
function coalesce(items: Item[]): Item[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    if (!parent.has(k)) parent.set(k, k);
    const p = parent.get(k)!;
    if (p === k) return k;
    const root = find(p);
    parent.set(k, root);
    return root;
  };
  for (const it of items) {
    const nk = naturalKey(it);
    if (nk) parent.set(find(nk), find(idKey(it)));
  }
  const groups = new Map<string, Item[]>();
  for (const it of items) {
    const root = find(idKey(it));
    groups.set(root, [...(groups.get(root) ?? []), it]);
  }
  return [...groups.values()];
}

function* upsertGroup(
  group: Item[],
  existing: { byId: Map<string, string>; byNk: Map<string, string> },
  now: string,
): Op<string> {
  // The newest event of the group speaks for the row (stable: on equal timestamps the later one wins).
  const last = group.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a));
  const nk = naturalKey(last);
  let target: "natural" | "id";
  if (nk && existing.byNk.has(nk)) target = "natural";
  else if (existing.byId.has(last.id)) target = "id";
  else {
    // Another key of the group may already have a row (e.g. an earlier event under another id): adopt its id.
    const keys = group
      .flatMap((it) => [idKey(it), naturalKey(it)])
      .filter((k): k is string => !!k)
      .sort();
    const hit = keys
      .map((k) => (k.startsWith("id:") ? existing.byId.get(k.slice(3)) : existing.byNk.get(k)))
      .find(Boolean);
    if (hit) last.id = hit;
    target = hit ? "id" : nk ? "natural" : "id";
  }
  const values: Record<string, ColumnValue> = {
    id: last.id,
    created: now,
    updated: now,
    ...last.insertOnly,
    ...last.columns,
  };
  const names = Object.keys(values);
  const updates = names.filter((c) => c !== "id" && c !== "created" && !(c in last.insertOnly));
  const conflict = target === "natural" ? sql`(flow_run_id, task_key, dynamic_key)` : sql`(id)`;
  yield* exec(sql`
    INSERT INTO task_run (${sql.raw(names.join(", "))}) VALUES (${list(names.map((n) => values[n]))})
    ON CONFLICT ${conflict} DO UPDATE SET ${sql.join(
      updates.map((c) => sql.raw(`${c} = excluded.${c}`)),
      sql`, `,
    )}
    WHERE task_run.state_timestamp IS NULL OR task_run.state_timestamp < excluded.state_timestamp`);
  if (target === "id") return last.id;
  const r = (yield* row<{ id: string }>(
    sql`SELECT id FROM task_run WHERE flow_run_id = ${last.flowRunId} AND task_key = ${last.taskKey} AND dynamic_key = ${last.dynamicKey}`,
  ))!;
  return r.id;
}

function* recordOp(items: Item[], d: Fragments): Op<ReceivedEvent[]> {
  const now = nowTimestamp();
  // task_run.flow_run_id references flow_run: an event for an unknown flow run cannot be written. Prefect's
  // insert fails and the event is retried a few times, then dropped; the caller does the same with these.
  const flowRunIds = [...new Set(items.map((i) => i.flowRunId).filter((x): x is string => !!x))];
  const known = new Set(
    flowRunIds.length
      ? (yield* rows<{ id: string }>(sql`SELECT id FROM flow_run WHERE id IN (${list(flowRunIds)})`)).map((r) => r.id)
      : [],
  );
  const deferred = items.filter((i) => i.flowRunId && !known.has(i.flowRunId));
  const ready = items.filter((i) => !i.flowRunId || known.has(i.flowRunId));
  if (!ready.length) return deferred.map((i) => i.event);

  const nks = ready.filter((i) => i.flowRunId);
  const found = yield* rows<{ id: string; flow_run_id: string | null; task_key: string; dynamic_key: string }>(sql`
    SELECT id, flow_run_id, task_key, dynamic_key FROM task_run
    WHERE ${or([
      sql`id IN (${list([...new Set(ready.map((i) => i.id))])})`,
      ...nks.map((i) =>
        and([sql`flow_run_id = ${i.flowRunId}`, sql`task_key = ${i.taskKey}`, sql`dynamic_key = ${i.dynamicKey}`]),
      ),
    ])}`);
  const existing = { byId: new Map<string, string>(), byNk: new Map<string, string>() };
  for (const f of found) {
    existing.byId.set(f.id, f.id);
    if (f.flow_run_id) existing.byNk.set(`nk:${f.flow_run_id}|${f.task_key}|${f.dynamic_key}`, f.id);
  }

  // A fixed order over the rows keeps concurrent writers (several servers on PostgreSQL) from deadlocking.
  const groups = coalesce(ready).sort((a, b) => (idKey(a[0]) < idKey(b[0]) ? -1 : 1));
  const states: SQL[] = [];
  for (const group of groups) {
    const taskRunId = yield* upsertGroup(group, existing, now);
    for (const it of group) {
      const s = it.state;
      const details = { ...s.state_details, task_run_id: taskRunId };
      states.push(
        sql`(${it.event.id}, ${now}, ${now}, ${s.type}, ${it.timestamp}, ${s.name}, ${s.message}, ${d.json(details)}, ${s.data == null ? null : d.json(s.data)}, ${taskRunId})`,
      );
    }
  }
  // No conflict target: a resent event (same id) and a second state at the same instant are both skipped.
  for (let i = 0; i < states.length; i += 500) {
    yield* exec(sql`
      INSERT INTO task_run_state (id, created, updated, type, timestamp, name, message, state_details, data, task_run_id)
      VALUES ${sql.join(states.slice(i, i + 500), sql`, `)}
      ON CONFLICT DO NOTHING`);
  }
  return deferred.map((i) => i.event);
}

/** Records a batch of task-run state events in one transaction. */
export async function recordTaskRunEvents(driver: Driver, events: ReceivedEvent[]): Promise<RecordOutcome> {
  const d = fragmentsFor(driver.dialect);
  const rejected: RecordOutcome["rejected"] = [];
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const it = itemFromEvent(event, d);
    if (typeof it === "string") rejected.push({ event, reason: it });
    else items.push(it);
  }
  const deferred = items.length ? await driver.tx(() => recordOp(items, d)) : [];
  return { recorded: items.length - deferred.length, deferred, rejected };
}
