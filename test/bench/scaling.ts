// Query scaling: seed N flow runs (with their states and task runs) straight into each server's own
// schema — prefect-lite's migrations/<dialect>/*.sql tables and Prefect's Alembic tables (flow, flow_run,
// flow_run_state, task_run, task_run_state) — the same rows for both, generated in SQL from the run
// number i, then time the endpoints that are known to degrade with table size.
//
// Shape of run i (1-based; i = 1 is the most recent):
//   flow i % 20, deployment id i % 50 (no deployment rows: neither schema has a foreign key there)
//   i % 20 = 0  → SCHEDULED in the next 24 h (1 state)                                    5 %
//   i % 100 = 1 → RUNNING (PENDING, RUNNING; 2 task runs RUNNING)                          1 %
//   i % 10 = 3  → FAILED (PENDING, RUNNING, FAILED; 2 task runs, one FAILED)              10 %
//   otherwise   → COMPLETED (PENDING, RUNNING, COMPLETED; 2 task runs COMPLETED)          84 %
//   expected start = T0 − i × 2.592 s (≈ 33 k runs a day; 1 M runs span 30 days), start +1 s, end +11 s.
// Seeding is incremental: 100 k, then 900 k more for 1 M, into the same databases.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  dropDb,
  freshDb,
  logServerStart,
  migrate,
  serverLogProblems,
  startServer,
  type DbTarget,
  type PgCluster,
  type RunningServer,
  type ServerName,
} from "./servers.ts";
import { log, percentile } from "./util.ts";

export interface ScalingOptions {
  servers: ServerName[];
  scales: number[];
  work: string;
  pg: PgCluster | null;
  quick: boolean;
}

export interface QueryResult {
  server: ServerName;
  runs: number;
  query: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  errors: number;
  errorSample: string | null;
}

export interface ScalingPart {
  shape: string;
  scales: number[];
  seeds: {
    server: ServerName;
    runs: number;
    seconds: number;
    rows: number;
    rowsPerS: number;
    startMs: number;
    apiCount: number | null;
  }[];
  queries: { key: string; label: string }[];
  results: QueryResult[];
  serverLogs: Record<string, ReturnType<typeof serverLogProblems>>;
}

// ---------------------------------------------------------------------------------------------------
// Seeding

type V =
  | { t: "uuid"; kind: number; sub: string; i: string }
  | { t: "ts"; ms: string }
  | { t: "text"; sql: string }
  | { t: "num"; sql: string }
  | { t: "json"; lit: string }
  | { t: "bool"; v: boolean }
  | { t: "dur"; secs: string };

interface Col {
  name: string;
  type: string; // SQLite declared type, or PostgreSQL data_type
  udt: string; // PostgreSQL udt_name ("" on SQLite)
  notnull: boolean;
  hasDefault: boolean;
}

const uuid = (kind: number, sub: string, i: string): V => ({ t: "uuid", kind, sub, i });
const ts = (ms: string): V => ({ t: "ts", ms });
const text = (sql: string): V => ({ t: "text", sql });
const num = (sql: string): V => ({ t: "num", sql });
const json = (lit: string): V => ({ t: "json", lit });

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

function render(v: V, col: Col, dialect: "sqlite" | "pg"): string {
  if (dialect === "sqlite") {
    const prefectDatetime = /DATETIME|TIMESTAMP/i.test(col.type);
    switch (v.t) {
      case "uuid":
        return `printf('%08x-0000-4000-8%03x-%012x', ${v.kind}, ${v.sub}, ${v.i})`;
      case "ts":
        return prefectDatetime
          ? `(strftime('%Y-%m-%d %H:%M:%S', (${v.ms}) / 1000, 'unixepoch') || printf('.%06d', ((${v.ms}) % 1000) * 1000))`
          : `(strftime('%Y-%m-%dT%H:%M:%S', (${v.ms}) / 1000, 'unixepoch') || printf('.%06dZ', ((${v.ms}) % 1000) * 1000))`;
      case "dur":
        return prefectDatetime ? `(strftime('%Y-%m-%d %H:%M:%S', ${v.secs}, 'unixepoch') || '.000000')` : `(${v.secs})`;
      case "json":
        return q(v.lit);
      case "bool":
        return v.v ? "1" : "0";
      case "text":
      case "num":
        return `(${v.sql})`;
    }
  }
  const cast = (expr: string) => {
    if (col.type === "USER-DEFINED") return `CAST(${expr} AS "${col.udt}")`;
    return `CAST(${expr} AS ${col.udt === "timestamptz" ? "timestamptz" : col.udt === "timestamp" ? "timestamp" : col.type})`;
  };
  switch (v.t) {
    case "uuid":
      return cast(
        `lpad(to_hex(${v.kind}), 8, '0') || '-0000-4000-8' || lpad(to_hex(${v.sub}), 3, '0') || '-' || lpad(to_hex(${v.i}), 12, '0')`,
      );
    case "ts":
      return cast(`to_timestamp((${v.ms})::double precision / 1000)`);
    case "dur":
      return col.udt === "interval" ? `make_interval(secs => ${v.secs})` : cast(`${v.secs}`);
    case "json":
      return cast(q(v.lit));
    case "bool":
      return cast(v.v ? "true" : "false");
    case "text":
      return cast(`(${v.sql})::text`);
    case "num":
      return cast(`(${v.sql})`);
  }
}

/** Columns of a table in the target database. */
function columnsOf(target: Target, table: string): Col[] {
  if (target.dialect === "sqlite") {
    const rows = target.db.query(`PRAGMA table_info("${table}")`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: unknown;
      pk: number;
    }[];
    return rows.map((r) => ({
      name: r.name,
      type: r.type,
      udt: "",
      notnull: !!r.notnull,
      hasDefault: r.dflt_value !== null,
    }));
  }
  const out = target.psql(
    `SELECT column_name, data_type, udt_name, is_nullable, column_default IS NOT NULL FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' ORDER BY ordinal_position`,
  );
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name, type, udt, nullable, hasDefault] = l.split("|");
      return { name, type, udt, notnull: nullable === "NO", hasDefault: hasDefault === "t" };
    });
}

type Target = { dialect: "sqlite"; db: Database } | { dialect: "pg"; psql: (sql: string) => string };

function insertSql(target: Target, table: string, values: Record<string, V>, from: string): string {
  const cols = columnsOf(target, table);
  if (!cols.length) throw new Error(`table ${table} not found`);
  const names = new Set(cols.map((c) => c.name));
  const missing = cols.filter((c) => c.notnull && !c.hasDefault && !(c.name in values)).map((c) => c.name);
  if (missing.length) throw new Error(`${table}: no value for NOT NULL column(s) ${missing.join(", ")}`);
  const use = Object.keys(values).filter((k) => names.has(k));
  const byName = new Map(cols.map((c) => [c.name, c]));
  return `INSERT INTO ${table} (${use.join(", ")}) SELECT ${use.map((k) => render(values[k], byName.get(k)!, target.dialect)).join(", ")} ${from}`;
}

const STATE_TYPE = `CASE WHEN i % 20 = 0 THEN 'SCHEDULED' WHEN i % 100 = 1 THEN 'RUNNING' WHEN i % 10 = 3 THEN 'FAILED' ELSE 'COMPLETED' END`;

function seedTableSql(dialect: "sqlite" | "pg", from: number, to: number, t0: number): string {
  const derived = `
    ${STATE_TYPE} AS st,
    CASE WHEN i % 20 = 0 THEN ${t0} + (i % 1440) * 60000 ELSE ${t0} - i * 2592 END AS exp_ms,
    ${t0} - i * 2592 - 60000 AS created_ms,
    i % 20 AS f,
    i % 50 AS d`;
  const base =
    dialect === "sqlite"
      ? `CREATE TEMP TABLE seed0 AS WITH RECURSIVE s(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM s WHERE i < ${to}) SELECT i, ${derived} FROM s`
      : `CREATE TEMP TABLE seed0 AS SELECT i, ${derived} FROM generate_series(${from}::bigint, ${to}::bigint) AS i`;
  return base;
}

const SEED_FULL = `CREATE TEMP TABLE seed AS SELECT i, st, exp_ms, created_ms, f, d,
  CASE st WHEN 'SCHEDULED' THEN 'Scheduled' WHEN 'RUNNING' THEN 'Running' WHEN 'FAILED' THEN 'Failed' ELSE 'Completed' END AS sname,
  CASE WHEN st <> 'SCHEDULED' THEN exp_ms + 1000 END AS start_ms,
  CASE WHEN st IN ('COMPLETED', 'FAILED') THEN exp_ms + 11000 END AS end_ms,
  CASE st WHEN 'SCHEDULED' THEN 0 WHEN 'RUNNING' THEN 1 ELSE 2 END AS cur
  FROM seed0`;

function seedStatements(target: Target, from: number, to: number, t0: number, withFlows: boolean): string[] {
  const d = target.dialect;
  const stmts: string[] = [seedTableSql(d, from, to, t0), SEED_FULL];
  const I = "i";
  if (withFlows) {
    const flows =
      d === "sqlite"
        ? `FROM (WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 19) SELECT i FROM s)`
        : `FROM generate_series(0, 19) AS i`;
    stmts.push(
      insertSql(
        target,
        "flow",
        {
          id: uuid(5, "0", I),
          created: ts(`${t0 - 40 * 86400_000}`),
          updated: ts(`${t0 - 40 * 86400_000}`),
          name: text(`'bench-scale-flow-' || i`),
          tags: json("[]"),
          labels: json("{}"),
        },
        flows,
      ),
    );
  }
  stmts.push(
    insertSql(
      target,
      "flow_run",
      {
        id: uuid(1, "0", I),
        created: ts("created_ms"),
        updated: ts("COALESCE(end_ms, start_ms, created_ms)"),
        name: text(`'scale-run-' || i`),
        state_type: text("st"),
        state_name: text("sname"),
        state_timestamp: ts("COALESCE(end_ms, start_ms, created_ms)"),
        state_id: uuid(2, "cur", I),
        run_count: num("CASE WHEN st = 'SCHEDULED' THEN 0 ELSE 1 END"),
        expected_start_time: ts("exp_ms"),
        next_scheduled_start_time: ts("CASE WHEN st = 'SCHEDULED' THEN exp_ms END"),
        start_time: ts("start_ms"),
        end_time: ts("end_ms"),
        total_run_time: { t: "dur", secs: "CASE WHEN end_ms IS NOT NULL THEN 10 ELSE 0 END" },
        empirical_policy: json("{}"),
        tags: json('["scale"]'),
        labels: json("{}"),
        flow_id: uuid(5, "0", "f"),
        deployment_id: uuid(6, "0", "d"),
        parameters: json("{}"),
        context: json("{}"),
        job_variables: json("{}"),
        auto_scheduled: { t: "bool", v: false },
      },
      "FROM seed",
    ),
  );
  const state = (pass: number, type: string, name: string, tsMs: string, where: string) =>
    insertSql(
      target,
      "flow_run_state",
      {
        id: uuid(2, String(pass), I),
        created: ts(tsMs),
        updated: ts(tsMs),
        type: text(type),
        timestamp: ts(tsMs),
        name: text(name),
        state_details: json("{}"),
        flow_run_id: uuid(1, "0", I),
      },
      `FROM seed ${where}`,
    );
  stmts.push(
    state(
      0,
      "CASE WHEN st = 'SCHEDULED' THEN 'SCHEDULED' ELSE 'PENDING' END",
      "CASE WHEN st = 'SCHEDULED' THEN 'Scheduled' ELSE 'Pending' END",
      "CASE WHEN st = 'SCHEDULED' THEN created_ms ELSE start_ms - 500 END",
      "",
    ),
  );
  stmts.push(state(1, "'RUNNING'", "'Running'", "start_ms", "WHERE st <> 'SCHEDULED'"));
  stmts.push(state(2, "st", "sname", "end_ms", "WHERE st IN ('COMPLETED', 'FAILED')"));
  const trType =
    "CASE WHEN st = 'RUNNING' THEN 'RUNNING' WHEN st = 'FAILED' AND k = 1 THEN 'FAILED' ELSE 'COMPLETED' END";
  const trName =
    "CASE WHEN st = 'RUNNING' THEN 'Running' WHEN st = 'FAILED' AND k = 1 THEN 'Failed' ELSE 'Completed' END";
  const trStart = "start_ms + 100 + k * 4000";
  const trEnd = "CASE WHEN st = 'RUNNING' THEN NULL ELSE start_ms + 3100 + k * 4000 END";
  const trFrom = "FROM seed CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kk WHERE st <> 'SCHEDULED'";
  stmts.push(
    insertSql(
      target,
      "task_run",
      {
        id: uuid(3, "k", I),
        created: ts(trStart),
        updated: ts(`COALESCE(${trEnd}, ${trStart})`),
        name: text(`'task-' || k || '-' || i`),
        state_type: text(trType),
        state_name: text(trName),
        state_timestamp: ts(`COALESCE(${trEnd}, ${trStart})`),
        state_id: uuid(4, "k", I),
        run_count: num("1"),
        expected_start_time: ts(trStart),
        start_time: ts(trStart),
        end_time: ts(trEnd),
        total_run_time: { t: "dur", secs: `CASE WHEN st = 'RUNNING' THEN 0 ELSE 3 END` },
        empirical_policy: json("{}"),
        tags: json("[]"),
        labels: json("{}"),
        flow_run_id: uuid(1, "0", I),
        task_key: text(`'bench.task_' || k`),
        dynamic_key: text(`'0'`),
        task_inputs: json("{}"),
        flow_run_run_count: num("1"),
      },
      trFrom,
    ),
  );
  stmts.push(
    insertSql(
      target,
      "task_run_state",
      {
        id: uuid(4, "k", I),
        created: ts(`COALESCE(${trEnd}, ${trStart})`),
        updated: ts(`COALESCE(${trEnd}, ${trStart})`),
        type: text(trType),
        timestamp: ts(`COALESCE(${trEnd}, ${trStart})`),
        name: text(trName),
        state_details: json("{}"),
        task_run_id: uuid(3, "k", I),
      },
      trFrom,
    ),
  );
  stmts.push("DROP TABLE seed", "DROP TABLE seed0");
  return stmts;
}

const TABLES = ["flow", "flow_run", "flow_run_state", "task_run", "task_run_state"];

/** Seeds runs from..to into a stopped server's database; returns seconds and the number of rows written. */
export function seed(db: DbTarget, from: number, to: number, t0: number): { seconds: number; rows: number } {
  const started = performance.now();
  const withFlows = from === 1;
  let rows = 0;
  if (db.dialect === "sqlite") {
    const sdb = new Database(db.path);
    sdb.run("PRAGMA journal_mode = WAL");
    sdb.run("PRAGMA synchronous = OFF");
    sdb.run("PRAGMA foreign_keys = OFF");
    sdb.run("PRAGMA cache_size = -500000");
    sdb.run("PRAGMA temp_store = MEMORY");
    const target: Target = { dialect: "sqlite", db: sdb };
    const stmts = seedStatements(target, from, to, t0, withFlows);
    // Bulk load: drop the secondary indexes, insert, recreate them from their own definitions (the
    // schema ends up exactly as the server made it; building an index once is much cheaper).
    const idx = sdb
      .query(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${TABLES.map((t) => `'${t}'`).join(", ")})`,
      )
      .all() as { name: string; sql: string }[];
    sdb.run("BEGIN");
    for (const i of idx) sdb.run(`DROP INDEX "${i.name}"`);
    for (const s of stmts) {
      const changes = sdb.run(s).changes;
      if (s.startsWith("INSERT")) rows += changes;
    }
    for (const i of idx) sdb.run(i.sql);
    sdb.run("COMMIT");
    sdb.run("PRAGMA wal_checkpoint(TRUNCATE)");
    sdb.close();
  } else {
    const psql = (sql: string) => db.cluster.psql(sql, db.name);
    const target: Target = { dialect: "pg", psql };
    const stmts = seedStatements(target, from, to, t0, withFlows);
    // Foreign keys (flow_run.state_id ↔ flow_run_state.flow_run_id are circular) are not checked while
    // loading: session_replication_role = replica; the rows are consistent by construction.
    const before = Number(psql(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(" + ")}`).trim());
    // Same bulk-load trick as on SQLite, for indexes that do not back a constraint (primary keys and
    // unique constraints stay); one multi-statement query string = one transaction.
    const idx = psql(
      `SELECT i.indexname || '|' || i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN (${TABLES.map((t) => `'${t}'`).join(", ")})
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
    )
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => ({ name: l.slice(0, l.indexOf("|")), sql: l.slice(l.indexOf("|") + 1) }));
    psql(
      [
        "SET session_replication_role = replica",
        "SET maintenance_work_mem = '256MB'",
        ...idx.map((i) => `DROP INDEX "${i.name}"`),
        ...stmts,
        ...idx.map((i) => i.sql),
      ].join(";\n"),
    );
    rows = Number(psql(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(" + ")}`).trim()) - before;
    psql(`VACUUM ANALYZE ${TABLES.join(", ")}`);
  }
  return { seconds: (performance.now() - started) / 1000, rows };
}

// ---------------------------------------------------------------------------------------------------
// Queries

interface Query {
  key: string;
  label: string;
  run(s: RunningServer, now: number): Promise<void>;
}

async function post(s: RunningServer, path: string, body: unknown): Promise<unknown> {
  const r = await fetch(`${s.api}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const t = await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status} ${t.slice(0, 200)}`);
  return t;
}

const iso = (ms: number) => new Date(ms).toISOString();
const DEP7 = "00000006-0000-4000-8000-000000000007";
const history = (now: number) => ({
  history_start: iso(now - 86400_000),
  history_end: iso(now),
  history_interval_seconds: 300,
});

export const UI_PAGES: Array<[key: string, label: string, path: string]> = [
  ["ui_page", "prefect-lite GET / (dashboard, 24 h window)", "/"],
  ["ui_dash_1h", "prefect-lite GET /?window=1h", "/?window=1h"],
  ["ui_dash_7d", "prefect-lite GET /?window=7d", "/?window=7d"],
  ["ui_dash_30d", "prefect-lite GET /?window=30d", "/?window=30d"],
  ["ui_dash_all", "prefect-lite GET /?window=all", "/?window=all"],
  ["ui_runs", "prefect-lite GET /runs (7 days, newest first)", "/runs"],
  ["ui_runs_name_30d", "prefect-lite GET /runs?since=30d&sort=NAME_ASC", "/runs?since=30d&sort=NAME_ASC"],
  [
    "ui_runs_start_all",
    "prefect-lite GET /runs?since=all&sort=START_TIME_DESC&state=FAILED",
    "/runs?since=all&sort=START_TIME_DESC&state=FAILED",
  ],
  ["ui_runs_end_all", "prefect-lite GET /runs?since=all&sort=END_TIME_DESC", "/runs?since=all&sort=END_TIME_DESC"],
  ["ui_runs_search", "prefect-lite GET /runs?q=<rare run name> (7 days)", "/runs?q=run-12345"],
  ["ui_runs_search_all", "prefect-lite GET /runs?since=all&q=<rare run name>", "/runs?since=all&q=run-12345"],
  ["ui_runs_deep", "prefect-lite GET /runs?since=all, the page after 500,000 runs (keyset cursor)", "DEEP"],
  [
    "ui_runs_offset",
    "prefect-lite GET /runs?since=all&page=100 (offset, the deepest page served that way)",
    "/runs?since=all&page=100",
  ],
];

export const QUERIES: Query[] = [
  {
    key: "filter",
    label: "/flow_runs/filter state RUNNING or FAILED, START_TIME_DESC, limit 50",
    run: (s) =>
      post(s, "/flow_runs/filter", {
        flow_runs: { state: { type: { any_: ["RUNNING", "FAILED"] } } },
        sort: "START_TIME_DESC",
        limit: 50,
      }).then(() => {}),
  },
  {
    key: "filter_recent",
    label: "/flow_runs/filter (no filter, EXPECTED_START_TIME_DESC, limit 200)",
    run: (s) => post(s, "/flow_runs/filter", { sort: "EXPECTED_START_TIME_DESC", limit: 200 }).then(() => {}),
  },
  {
    key: "count",
    label: "/flow_runs/count state COMPLETED",
    run: (s) => post(s, "/flow_runs/count", { flow_runs: { state: { type: { any_: ["COMPLETED"] } } } }).then(() => {}),
  },
  {
    key: "count_all",
    label: "/flow_runs/count (no filter)",
    run: (s) => post(s, "/flow_runs/count", {}).then(() => {}),
  },
  {
    key: "paginate",
    label: "/flow_runs/paginate deployment filter (2 % of runs), page 2 of 50",
    run: (s) =>
      post(s, "/flow_runs/paginate", {
        flow_runs: { deployment_id: { any_: [DEP7] } },
        sort: "START_TIME_DESC",
        limit: 50,
        page: 2,
      }).then(() => {}),
  },
  {
    key: "task_runs_count",
    label: "/task_runs/count started in the last 24 h",
    run: (s, now) =>
      post(s, "/task_runs/count", { task_runs: { start_time: { after_: iso(now - 86400_000) } } }).then(() => {}),
  },
  {
    key: "history",
    label: "/flow_runs/history 24 h in 5-min buckets",
    run: (s, now) => post(s, "/flow_runs/history", history(now)).then(() => {}),
  },
  {
    key: "dashboard",
    label: "dashboard: 7 UI API calls in parallel (history, 3 run counts, failed runs, 2 task-run counts)",
    run: async (s, now) => {
      const day = iso(now - 86400_000);
      await Promise.all([
        post(s, "/flow_runs/history", history(now)),
        post(s, "/flow_runs/count", {
          flow_runs: { expected_start_time: { after_: day }, state: { type: { any_: ["COMPLETED"] } } },
        }),
        post(s, "/flow_runs/count", {
          flow_runs: { expected_start_time: { after_: day }, state: { type: { any_: ["FAILED", "CRASHED"] } } },
        }),
        post(s, "/flow_runs/count", { flow_runs: { state: { type: { any_: ["RUNNING"] } } } }),
        post(s, "/flow_runs/filter", {
          flow_runs: { expected_start_time: { after_: day }, state: { type: { any_: ["FAILED", "CRASHED"] } } },
          sort: "START_TIME_DESC",
          limit: 10,
        }),
        post(s, "/task_runs/count", { task_runs: { start_time: { after_: day } } }),
        post(s, "/task_runs/count", {
          task_runs: { start_time: { after_: day }, state: { type: { any_: ["COMPLETED"] } } },
        }),
      ]);
    },
  },
  // prefect-lite's server-rendered dashboard and runs list (Prefect runs --no-ui): every dashboard window,
  // and the list in several sorts, filters and a deep page reached by its Next link's cursor.
  ...UI_PAGES.map(([key, label, path]): Query => ({ key, label, run: (s) => uiGet(s, path) })),
];

const deepCursor = new Map<string, string>();

/** The Next link's query half way down the all-time list (500,000 runs at 1M), found once per server. */
export async function deepPath(s: Pick<RunningServer, "api" | "base">): Promise<string> {
  let path = deepCursor.get(s.base);
  if (!path) {
    const total = Number(await post(s as RunningServer, "/flow_runs/count", {}));
    const r = await post(s as RunningServer, "/flow_runs/filter", {
      sort: "EXPECTED_START_TIME_DESC",
      limit: 1,
      offset: Math.floor(total / 2),
    });
    const [run] = JSON.parse(String(r)) as Array<{ id: string; expected_start_time: string }>;
    if (!run) throw new Error("no runs");
    const after = Buffer.from(
      JSON.stringify([
        run.expected_start_time.replace(/(\.\d{6})?(Z|\+00:00)$/, (_m, f) => `${f ?? ".000000"}Z`),
        run.id,
      ]),
    ).toString("base64url");
    path = `/runs?since=all&after=${after}&page=${Math.floor(total / 100) + 1}`;
    deepCursor.set(s.base, path);
  }
  return path;
}

async function uiGet(s: RunningServer, path: string): Promise<void> {
  if (s.name.startsWith("prefect")) throw new Error("n/a");
  const r = await fetch(s.base + (path === "DEEP" ? await deepPath(s) : path), { signal: AbortSignal.timeout(60_000) });
  await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
}

async function timeQuery(
  s: RunningServer,
  qy: Query,
  runs: number,
  warm: number,
  reps: number,
  budgetMs: number,
): Promise<QueryResult> {
  const lat: number[] = [];
  let errors = 0;
  let errorSample: string | null = null;
  const t0 = performance.now();
  for (let k = 0; k < warm + reps; k++) {
    if (performance.now() - t0 > budgetMs && k >= warm + 1) break;
    const a = performance.now();
    try {
      await qy.run(s, Date.now());
      if (k >= warm) lat.push(performance.now() - a);
    } catch (e) {
      if ((e as Error).message === "n/a")
        return {
          server: s.name,
          runs,
          query: qy.key,
          n: 0,
          p50: NaN,
          p95: NaN,
          max: NaN,
          errors: 0,
          errorSample: null,
        };
      if (k >= warm) errors++;
      errorSample ??= (e as Error).message.slice(0, 200);
      if (performance.now() - a > 30_000) break; // do not keep waiting on timeouts
    }
  }
  return {
    server: s.name,
    runs,
    query: qy.key,
    n: lat.length,
    p50: percentile(lat, 0.5),
    p95: percentile(lat, 0.95),
    max: lat.length ? Math.max(...lat) : NaN,
    errors,
    errorSample,
  };
}

export async function runScaling(o: ScalingOptions): Promise<ScalingPart> {
  const scales = [...o.scales].sort((a, b) => a - b);
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const dbs = new Map<ServerName, { db: DbTarget; home: string }>();
  const part: ScalingPart = {
    shape:
      "1 (scheduled) to 3 flow-run states and 2 task runs with 1 state each (see scaling.ts); 20 flows, 50 deployment ids; expected start times 2.6 s apart back from now, so every 24 h holds ≈ 33 k runs",
    scales,
    seeds: [],
    queries: QUERIES.map(({ key, label }) => ({ key, label })),
    results: [],
    serverLogs: {},
  };
  const warm = o.quick ? 2 : 3;
  const reps = o.quick ? 10 : 20;
  const budgetMs = o.quick ? 10_000 : 15_000;
  try {
    for (const name of o.servers) {
      const db = freshDb(name, o.work, "scale", o.pg);
      const home = join(o.work, `${name}-scale-home`);
      mkdirSync(home, { recursive: true });
      migrate(name, db, home);
      dbs.set(name, { db, home });
    }
    let seeded = 0;
    for (const scale of scales) {
      const seedInfo = new Map<ServerName, { seconds: number; rows: number }>();
      for (const name of o.servers) {
        const { db } = dbs.get(name)!;
        log(`seeding ${name}: runs ${seeded + 1}..${scale}`);
        const r = seed(db, seeded + 1, scale, t0);
        seedInfo.set(name, r);
        log(`seeded ${name}: ${r.rows} rows in ${r.seconds.toFixed(1)} s (${(r.rows / r.seconds).toFixed(0)} rows/s)`);
      }
      seeded = scale;
      const started: RunningServer[] = [];
      try {
        for (const name of o.servers) {
          for (const s of started) s.pause();
          const { db, home } = dbs.get(name)!;
          const s = await startServer(name, { db, home });
          logServerStart(s);
          started.push(s);
          let apiCount: number | null = null;
          try {
            apiCount = Number(await post(s, "/flow_runs/count", {}));
          } catch {}
          const si = seedInfo.get(name)!;
          part.seeds.push({
            server: name,
            runs: scale,
            seconds: si.seconds,
            rows: si.rows,
            rowsPerS: si.rows / si.seconds,
            startMs: s.startMs,
            apiCount,
          });
          if (apiCount !== scale) log(`WARNING ${name}: /flow_runs/count says ${apiCount}, expected ${scale}`);
        }
        for (const s of started) s.pause();
        let k = 0;
        for (const qy of QUERIES) {
          const order = k++ % 2 ? [...started].reverse() : started;
          for (const s of order) {
            s.resume();
            const r = await timeQuery(s, qy, scale, warm, reps, budgetMs);
            s.pause();
            if (r.n || r.errors) {
              part.results.push(r);
              log(
                `scale ${scale} ${s.name.padEnd(14)} ${qy.key.padEnd(14)} p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} ms (n ${r.n})${r.errors ? ` errors ${r.errors}: ${r.errorSample}` : ""}`,
              );
            }
          }
        }
      } finally {
        for (const s of started) {
          await s.stop();
          const p = serverLogProblems(s);
          const prev = part.serverLogs[s.name];
          part.serverLogs[s.name] = prev
            ? {
                locked: prev.locked + p.locked,
                errors: prev.errors + p.errors,
                dropped: prev.dropped + p.dropped,
                sample: prev.sample ?? p.sample,
              }
            : p;
        }
      }
    }
  } finally {
    for (const { db } of dbs.values()) dropDb(db);
  }
  return part;
}
