// The dashboard's runs list: one page of flow runs in a sort order, fast at any depth of a million runs.
//
// Pages are reached by keyset ("seek") pagination: the next page starts after the last row's sort key
// and id, the previous one ends before the first row's, so page 5,000 costs what page 2 does. A plain
// offset is still served for the first pages (links without a cursor).
// Rows are found in two steps: the ids in order (only the sort key and id travel through any sort),
// then the rows for those ids.
// NULL sort keys sit where each dialect puts them (SQLite: lowest, PostgreSQL: highest), so a page that
// crosses from keys to NULLs is read as two segments, each with a predicate an index can range over.
import type { SQL } from "drizzle-orm";
import { sql } from "../db/sql-tag.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { rows } from "../db/driver.ts";
import { normalizeTimestamp, nowTimestamp } from "../orchestration/index.ts";
import { flowRunWhere, sortKey } from "./filters.ts";
import type { FilterBody } from "./page.ts";
import { flowRunJson, runSelect, type FlowRunJson } from "./run-shapes.ts";
import { and, fragmentsFor, list, raw } from "./sql.ts";

/** A position in the list: a row's sort key and id. */
export interface Cursor {
  key: string | number | null;
  id: string;
}

export interface RunListRequest {
  /** Filter body without the time window and state types. */
  body: FilterBody;
  /** Runs expected to start at or after this; null for no window. */
  since: string | null;
  /** Runs in any of these state types; empty for any. */
  states?: string[];
  sort: string;
  limit: number;
  /** Rows after this one (next page) or before it (previous page); neither: from the start, skipping `offset`. */
  after?: Cursor | null;
  before?: Cursor | null;
  offset?: number;
}

export interface RunListPage {
  runs: FlowRunJson[];
  /** Whether rows exist past this page in the direction it was read (after: later pages; before: earlier ones). */
  more: boolean;
  /** Cursors of the first and last row, for the previous and next links. */
  first: Cursor | null;
  last: Cursor | null;
}

const { columns: RUN_COLUMNS, from: RUN_FROM, codec: RUN_CODEC } = runSelect("flow_run");
/** A window holding at least this many runs is walked in sort order instead of sorted (SQLite). */
const LARGE_WINDOW = 20_000;
const DEFAULT_SORT = "EXPECTED_START_TIME_DESC";
/** Sort keys with a (state_type, key, id) index (revision 0004): Prefect's START_TIME sorts. */
const STATE_KEY_INDEXED = new Set([sortKey("flow_run", "START_TIME_DESC", DEFAULT_SORT)[0]]);

export function runListStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  const sqlite = driver.dialect === "sqlite";

  /**
   * The window and state conditions, steered: SQLite cannot estimate a range on a parameter, and for a
   * wide window or a common state it would read every matching run and sort them (4 s for 30 days at
   * 1M runs by name) rather than walk the sort key's index and stop after a page. When the key is not
   * the expected start time, count up to LARGE_WINDOW matching runs (one range of the (state_type,
   * expected_start_time) or expected-start-time index) to decide; a unary + keeps a condition off the
   * index choice. PostgreSQL's planner has statistics and needs no help.
   */
  function* steeredConditions(
    since: string | null,
    states: string[],
    keyIsStartTime: boolean,
    stateKeyIndexed: boolean,
  ): Op<SQL[]> {
    const window = (plus: string) =>
      since === null ? [] : [sql`${raw(plus)}flow_run.expected_start_time >= ${since}`];
    const state = (plus: string) => (states.length ? [sql`${raw(plus)}flow_run.state_type IN (${list(states)})`] : []);
    if (!sqlite || keyIsStartTime || (since === null && !states.length)) return [...window(""), ...state("")];
    const probe = yield* rows<Row>(
      sql`SELECT count(*) AS n FROM (SELECT 1 FROM flow_run WHERE ${and([...window(""), ...state("")])} LIMIT ${LARGE_WINDOW}) w`,
    );
    if (Number(probe[0]?.n ?? 0) < LARGE_WINDOW) return [...window(""), ...state("")];
    // One state and a key with a (state_type, key, id) index (0004's START_TIME sort): that index gives
    // the state's runs in order, however the states are spread over time; walking the key's own index
    // and skipping other states could read most of the table when the state is rare among the newest.
    if (stateKeyIndexed) return [...window("+"), ...state("")];
    return [...window("+"), ...state("+")];
  }

  function* pageOp(req: RunListRequest): Op<RunListPage> {
    const [expr, dir] = sortKey("flow_run", req.sort, DEFAULT_SORT);
    const key = raw(expr);
    const backwards = !!req.before && !req.after;
    const cursor = req.after ?? req.before ?? null;
    // Direction the rows are read in: the sort's own, or reversed to read a previous page.
    const ascending = (dir === "ASC") !== backwards;
    const qdir = raw(ascending ? "ASC" : "DESC");
    const stateKeyIndexed = (req.states?.length ?? 0) === 1 && STATE_KEY_INDEXED.has(expr);
    const steered = yield* steeredConditions(
      req.since,
      req.states ?? [],
      expr === "flow_run.expected_start_time",
      stateKeyIndexed,
    );
    const base = [flowRunWhere(req.body, d), ...steered];
    const want = req.limit + 1;
    const select = (extra: SQL[], limit: number, offset = 0) =>
      rows(sql`SELECT flow_run.id, ${key} AS sort_key FROM flow_run WHERE ${and([...base, ...extra])}
        ORDER BY ${key} ${qdir}, flow_run.id ${qdir} LIMIT ${limit}${offset ? sql` OFFSET ${offset}` : sql``}`);

    let found: Row[];
    if (!cursor) {
      found = yield* select([], want, req.offset ?? 0);
    } else {
      // Segments in reading order: NULL keys come first when reading towards NULLs' end is "down"…
      const nullsLow = sqlite;
      const nullsFirst = ascending === nullsLow;
      const idBeyond = ascending ? sql`flow_run.id > ${cursor.id}` : sql`flow_run.id < ${cursor.id}`;
      const segments: SQL[][] = [];
      if (cursor.key === null) {
        segments.push([sql`${key} IS NULL`, idBeyond]);
        if (nullsFirst) segments.push([sql`${key} IS NOT NULL`]);
      } else {
        const k = cursor.key;
        segments.push(
          ascending
            ? [sql`${key} >= ${k}`, sql`(${key} > ${k} OR ${idBeyond})`]
            : [sql`${key} <= ${k}`, sql`(${key} < ${k} OR ${idBeyond})`],
        );
        if (!nullsFirst) segments.push([sql`${key} IS NULL`]);
      }
      found = [];
      for (const seg of segments) {
        if (found.length >= want) break;
        found.push(...(yield* select(seg, want - found.length)));
      }
    }
    const more = found.length > req.limit;
    let ids = found.slice(0, req.limit);
    if (backwards) ids = ids.reverse();
    const byId = new Map<string, Row>();
    if (ids.length) {
      for (const r of yield* rows<Row>(
        sql`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE flow_run.id IN (${list(ids.map((r) => r.id))})`,
        RUN_CODEC,
      ))
        byId.set(r.id as string, r);
    }
    const now = nowTimestamp();
    const runs = ids
      .map((r) => byId.get(r.id as string))
      .filter((r): r is Row => !!r)
      .map((r) => flowRunJson(r, now));
    // Time keys in the normalised form whatever the dialect returned (PostgreSQL: '2026-11-25 04:00:00.1+00'),
    // so a cursor reads the same on both and a link's cursor can be checked for its shape.
    const keyOf = (k: unknown) =>
      typeof k === "string" && expr !== "flow_run.name"
        ? (normalizeTimestamp(k) ?? k)
        : ((k as string | number | null) ?? null);
    const at = (r: Row | undefined): Cursor | null => (r ? { key: keyOf(r.sort_key), id: r.id as string } : null);
    return { runs, more, first: at(ids[0]), last: at(ids[ids.length - 1]) };
  }

  return {
    page(req: RunListRequest): Promise<RunListPage> {
      return driver.read(() => pageOp(req));
    },
  };
}

export type RunListStore = ReturnType<typeof runListStore>;
