// One way to run repository code on both dialects. A repository operation is a generator that yields
// statements (drizzle `sql` objects, which bind parameters per dialect) and receives their rows back:
//   - on SQLite the driver runs it synchronously inside BEGIN IMMEDIATE … COMMIT, so nothing can
//     interleave between a read and the write that depends on it (bun:sqlite transactions must be
//     synchronous: an await inside one would commit early);
//   - on PostgreSQL it runs it inside sql.begin(), awaiting each statement.
// So each repository is written once, and the orchestration rules between its reads and writes stay
// plain synchronous functions.
import type { Database, Statement } from "bun:sqlite";
import type { SQL } from "drizzle-orm";
import { compile } from "./compile.ts";
import type { DbHandle } from "./open.ts";
import { decodeRow, type RowCodec } from "./rows.ts";

export type Row = Record<string, unknown>;

export interface Stmt {
  sql: SQL;
  /** rows: every row; row: the first row or undefined; exec: no rows, the number of rows changed. */
  mode: "rows" | "row" | "exec";
  /** How the row's columns decode (db/rows.ts); by any table's column names when absent. */
  codec?: RowCodec;
}

/**
 * The value a yielded statement produces comes back typed through these helpers, so repositories write
 * `const run = yield* row<RunRow>(sql`…`)` and never cast a bare `yield`: every row, the first row (or
 * undefined), or the number of rows changed. The type says what the SELECT list holds; the driver has
 * already decoded each column (db/rows.ts).
 */
export function* rows<T = Row>(sql: SQL, codec?: RowCodec): Op<T[]> {
  return (yield { sql, mode: "rows", codec }) as T[];
}

export function* row<T = Row>(sql: SQL, codec?: RowCodec): Op<T | undefined> {
  return (yield { sql, mode: "row", codec }) as T | undefined;
}

export function* exec(sql: SQL): Op<number> {
  return (yield { sql, mode: "exec" }) as number;
}

/** An operation: a generator of statements, each answered by the driver, returning T. */
export type Op<T> = Generator<Stmt, T, unknown>;

export interface Driver {
  readonly dialect: "sqlite" | "pg";
  /** Runs an operation in one transaction. */
  tx<T>(op: () => Op<T>): Promise<T>;
  /** Runs an operation without a transaction (reads). */
  read<T>(op: () => Op<T>): Promise<T>;
  /**
   * Runs a write whose every statement stands alone (each is atomic by itself, and none reads what an
   * earlier one wrote): on the writer's path on SQLite, autocommitted on PostgreSQL, where it needs
   * neither BEGIN and COMMIT nor a place behind the write gate (writeGate below).
   */
  write<T>(op: () => Op<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDriver(db: DbHandle): Driver {
  return db.dialect === "sqlite" ? sqliteDriver(db) : pgDriver(db);
}

// Prepared statements kept per SQL text, least recently used out first. Filters with IN lists of any
// length and log or event batches of any size produce ever new texts, and raw.query() would keep every one
// of them for the process's life, so the cache has a bound; and a multi-row INSERT's compiled program is
// large (up to ~360 KB for a 200-event chunk, in a heap snapshot taken under test/bench/soak.ts), so 512 of
// them held 55 MB after ten minutes of mixed load and kept RSS at the plateau. Statements with more than
// BATCH_PARAMS parameters (the batches) get a small cache of their own; re-preparing one costs ~0.1-0.2 ms,
// a fifth of running it.
const STATEMENT_CACHE_SIZE = 512;
const BATCH_PARAMS = 100;
const BATCH_CACHE_SIZE = 16;

function lru(raw: Database, size: number) {
  const cache = new Map<string, Statement>();
  return (text: string): Statement => {
    let stmt = cache.get(text);
    if (stmt) {
      cache.delete(text); // re-insert: Map order is the recency order
    } else {
      stmt = raw.prepare(text);
      if (cache.size >= size) {
        const [oldest, old] = cache.entries().next().value!;
        cache.delete(oldest);
        old.finalize();
      }
    }
    cache.set(text, stmt);
    return stmt;
  };
}

function statementCache(raw: Database) {
  const statements = lru(raw, STATEMENT_CACHE_SIZE);
  const batches = lru(raw, BATCH_CACHE_SIZE);
  return (text: string, params: number): Statement => (params > BATCH_PARAMS ? batches(text) : statements(text));
}

function sqliteDriver(db: Extract<DbHandle, { dialect: "sqlite" }>): Driver {
  const raw = db.raw;
  const prepared = statementCache(raw);
  const execute = (s: Stmt): unknown => {
    const q = compile(s.sql, "sqlite");
    if (db.echo) console.log(`[sql] ${q.sql}`, q.params);
    const stmt = prepared(q.sql, q.params.length);
    const params = q.params as never[];
    if (s.mode === "exec") return stmt.run(...params).changes;
    if (s.mode === "row") {
      const r = stmt.get(...params) as Row | null;
      return r ? decodeRow(r, "sqlite", s.codec) : undefined;
    }
    return (stmt.all(...params) as Row[]).map((r) => decodeRow(r, "sqlite", s.codec));
  };
  const drive = <T>(op: () => Op<T>): T => {
    const g = op();
    let step = g.next();
    while (!step.done) step = g.next(execute(step.value));
    return step.value;
  };
  // Group commit: transactions asked for in the same turn of the event loop (64 clients' set_state
  // requests, an event batch) run one after another inside ONE BEGIN IMMEDIATE … COMMIT, each in its own
  // savepoint. A commit is most of what a small write costs in WAL mode; sharing it is what lets many
  // writers go faster than one commit per request. Each caller still hears back only after the commit,
  // and one operation's failure rolls back only its own savepoint.
  interface Pending {
    op: () => Op<unknown>;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }
  let queue: Pending[] = [];
  let scheduled = false;
  // Prepared once: Database.run(text) compiles its statement on every call.
  const control = (text: string) => {
    const stmt = raw.prepare(text);
    return () => void stmt.run();
  };
  const begin = control("BEGIN IMMEDIATE");
  const commit = control("COMMIT");
  const savepoint = control("SAVEPOINT op");
  const release = control("RELEASE op");
  const rollbackTo = control("ROLLBACK TO op");

  const runAlone = (p: Pending) => {
    let result: unknown;
    try {
      begin();
      result = drive(p.op);
      commit();
    } catch (e) {
      if (raw.inTransaction) raw.run("ROLLBACK");
      return p.reject(e);
    }
    p.resolve(result);
  };

  const runGroup = (batch: Pending[]) => {
    const done: Array<[Pending, unknown]> = [];
    let next = 0;
    try {
      begin();
      for (; next < batch.length; next++) {
        const p = batch[next];
        savepoint();
        let result: unknown;
        try {
          result = drive(p.op);
        } catch (e) {
          rollbackTo();
          release();
          p.reject(e);
          continue;
        }
        release();
        done.push([p, result]);
      }
      commit();
    } catch (e) {
      // The transaction itself failed (disk full, I/O error): nothing of the group was stored, and
      // everyone not answered yet hears so (a second reject of the same promise is a no-op).
      if (raw.inTransaction) raw.run("ROLLBACK");
      for (const [p] of done) p.reject(e);
      for (const p of batch.slice(next)) p.reject(e);
      return;
    }
    for (const [p, result] of done) p.resolve(result);
  };

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 1) runAlone(batch[0]);
    else if (batch.length) runGroup(batch);
  };

  const tx = <T>(op: () => Op<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  return {
    dialect: "sqlite",
    tx,
    async read(op) {
      return drive(op);
    },
    write: tx,
    close: async () => {
      flush();
      await db.close();
    },
  };
}

function pgDriver(db: Extract<DbHandle, { dialect: "pg" }>): Driver {
  type Runner = { unsafe: (q: string, p: unknown[], o?: { prepare: boolean }) => Promise<Row[] & { count: number }> };
  const execute = async (runner: Runner, s: Stmt): Promise<unknown> => {
    const q = compile(s.sql, "pg");
    // Batches go unprepared: postgres.js keeps every prepared text per connection for the connection's life
    // (and PostgreSQL its plan), one per batch size, which held 11 MB of SQL strings in our heap alone.
    const result = await runner.unsafe(q.sql, q.params as unknown[], { prepare: q.params.length <= BATCH_PARAMS });
    if (s.mode === "exec") return result.count;
    if (s.mode === "row") return result[0] ? decodeRow(result[0], "pg", s.codec) : undefined;
    return result.map((r) => decodeRow(r, "pg", s.codec));
  };
  const drive = async <T>(runner: Runner, op: () => Op<T>): Promise<T> => {
    const g = op();
    let step = g.next();
    while (!step.done) step = g.next(await execute(runner, step.value));
    return step.value;
  };
  const gate = writeGate(writersFor(db.sql.options.max));
  return {
    dialect: "pg",
    tx: (op) => gate(() => db.sql.begin((tx) => drive(tx as unknown as Runner, op)) as Promise<never>),
    read: (op) => drive(db.sql as unknown as Runner, op),
    write: (op) => drive(db.sql as unknown as Runner, op),
    close: () => db.close(),
  };
}

/**
 * How many write transactions may hold pool connections at once: half the pool (8 of 15), so reads
 * (a worker's poll, a heartbeat's check, an API GET) always find a free connection. Without it a burst of
 * state changes took all 15 connections through their commits and every read statement queued behind
 * them: `npm run bench:workers` measured a paced poll's p95 at 45.7 ms on PostgreSQL (p50 2.3 ms); with
 * 12 writers 11.2 ms, 10 writers 9.6-10.1 ms, 8 writers 8.2-9.2 ms (2 cores shared with other work),
 * draining 10,000 runs as fast with 8 as with 10 (13.1 s and 13.2 s).
 */
export function writersFor(poolMax: number): number {
  return poolMax > 1 ? poolMax - Math.max(1, Math.floor(poolMax / 2)) : 1;
}

/** At most `n` of the given tasks run at once; the rest wait in arrival order. */
export function writeGate(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` counts it without a gap.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
