// Crash durability of the real binary: concurrent HTTP writers create flows and flow runs, move runs
// through their states and ship logs while `server start` is killed with SIGKILL at random moments.
// Everything the server acknowledged (a 2xx answer) must be there after each restart on the same
// database. That promise rests on src/db/driver.ts answering a transaction (one alone or a group commit)
// only after its COMMIT, on src/db/open.ts opening SQLite with synchronous=FULL, and on src/api/logs.ts
// awaiting the insert of src/store/logs.ts before its 201.
//
// Not in the acknowledged set: events. POST /api/events/ (src/api/events.ts) answers 204 once the batch
// is on the bus, and src/services/event-persister.ts writes it up to 250 ms later through src/services/batcher.ts,
// a write-behind queue; so are the prefect.flow-run.* events a transition publishes after its commit
// (src/api/flow-runs.ts). A kill loses whatever that queue holds, so checking events here would fail.
//
// The run is seeded (CRASH_SEED=<n> repeats one); the seed drives the writers' choices and the kill
// delays, not the scheduler, so a repeat lands the kills near, not exactly at, the same writes.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, tempHome } from "../support/binary.ts";
import { freshPgUrl, PG_URL } from "../support/databases.ts";

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`crash-durability seed: ${SEED} (repeat with CRASH_SEED=${SEED})`);

const CYCLES = 5; // kills per database
const WRITERS = 4; // concurrent HTTP clients (the machine has 2 cores; more only queues)
const BIG_BATCH = 600; // above src/store/logs.ts's CHUNK of 500: two INSERTs in one transaction

/** mulberry32: a small seeded generator, so a failing seed can be rerun. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AckedState {
  id: string;
  type: string;
}
interface RunRecord {
  id: string;
  states: AckedState[]; // in the order the server acknowledged them (one writer per run, one request at a time)
}
interface Ledger {
  flows: Set<string>;
  runs: Map<string, RunRecord>;
  logs: Map<string, Set<string>>; // flow run id -> acknowledged log messages
  unacked: Array<{ runId: string; messages: string[] }>; // log batches sent when the server died
  unexpected: string[]; // non-2xx answers, refused transitions or errors while the server was alive
}

/** Thrown when no answer came (the server died): the write is not acknowledged. */
class NoAnswer extends Error {}

type Server = Awaited<ReturnType<typeof startServer>>;

/** Reads a server's output as it comes, so a full pipe never blocks it; kept for failure messages. */
function drain(s: Server): () => string {
  let text = "";
  for (const stream of [s.proc.stdout, s.proc.stderr]) {
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
    })().catch(() => {});
  }
  return () => text.slice(-4000);
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  let res: Response;
  let json: any;
  try {
    res = await fetch(`${base}/api${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    json = await res.json();
  } catch (e) {
    throw new NoAnswer(String(e));
  }
  return { status: res.status, json };
}

/**
 * One client: flows now and then, then run after run PENDING (on create) → RUNNING → a few log
 * batches → COMPLETED or FAILED, recording each acknowledged write. Stops at the first request that
 * gets no answer once the server is being killed.
 */
async function writer(
  base: string,
  w: number,
  cycle: number,
  random: () => number,
  ledger: Ledger,
  acks: { n: number },
  dying: () => boolean,
) {
  const tag = `s${SEED}-c${cycle}-w${w}`;
  let flowId: string | null = null;
  let pendingBatch: { runId: string; messages: string[] } | null = null;
  const ok = (what: string, r: { status: number; json: any }) => {
    if (r.status >= 200 && r.status < 300) return true;
    ledger.unexpected.push(`${what}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return false;
  };
  try {
    for (let n = 0; ; n++) {
      if (!flowId || random() < 0.1) {
        const f = await call(base, "POST", "/flows/", { name: `crash-${tag}-f${n}` });
        if (!ok("POST /flows/", f)) return;
        ledger.flows.add(f.json.id);
        flowId = f.json.id as string;
        acks.n++;
      }
      const created = await call(base, "POST", "/flow_runs/", {
        flow_id: flowId,
        name: `${tag}-r${n}`,
        state: { type: "PENDING" },
        tags: ["crash"],
      });
      if (!ok("POST /flow_runs/", created)) return;
      const run: RunRecord = {
        id: created.json.id,
        states: [{ id: created.json.state.id, type: created.json.state.type }],
      };
      ledger.runs.set(run.id, run);
      acks.n++;

      const setState = async (type: string) => {
        const r = await call(base, "POST", `/flow_runs/${run.id}/set_state`, { state: { type } });
        if (!ok(`set_state ${type}`, r)) return false;
        if (r.json.status !== "ACCEPT") {
          ledger.unexpected.push(`set_state ${type} on ${run.id}: ${r.json.status}`);
          return false;
        }
        run.states.push({ id: r.json.state.id, type: r.json.state.type });
        acks.n++;
        return true;
      };
      if (!(await setState("RUNNING"))) return;
      const batches = 1 + Math.floor(random() * 3);
      for (let b = 0; b < batches; b++) {
        const size = random() < 0.05 ? BIG_BATCH : 1 + Math.floor(random() * 20);
        const messages = Array.from({ length: size }, (_, k) => `${tag}-r${n}-b${b}-${k}`);
        pendingBatch = { runId: run.id, messages };
        const timestamp = new Date().toISOString();
        const r = await call(
          base,
          "POST",
          "/logs/",
          messages.map((message) => ({
            name: "crash",
            level: 20,
            message,
            timestamp,
            flow_run_id: run.id,
            task_run_id: null,
          })),
        );
        if (!ok("POST /logs/", r)) return;
        pendingBatch = null;
        const acked = ledger.logs.get(run.id) ?? new Set<string>();
        for (const m of messages) acked.add(m);
        ledger.logs.set(run.id, acked);
        acks.n++;
      }
      if (!(await setState(random() < 0.8 ? "COMPLETED" : "FAILED"))) return;
    }
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    if (pendingBatch) ledger.unacked.push(pendingBatch);
    if (!dying()) ledger.unexpected.push(`writer ${w} got no answer while the server was alive: ${e.message}`);
  }
}

/** Runs fn over items, `width` at a time. */
async function each<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** What the kills cut off, counted for the closing line: proof they landed mid-write. */
interface CutOff {
  laterStates: number; // runs whose current state was written after the last acknowledged one
  storedBatches: number; // cut-off log batches that had committed
}

/** Everything acknowledged so far, read back through the API; returns what is missing or wrong. */
async function verify(base: string, ledger: Ledger, cut: CutOff): Promise<string[]> {
  const problems: string[] = [];
  cut.laterStates = 0;
  cut.storedBatches = 0;
  await each([...ledger.flows], 8, async (id) => {
    const r = await call(base, "GET", `/flows/${id}`);
    if (r.status !== 200) problems.push(`flow ${id}: ${r.status}`);
  });
  await each([...ledger.runs.values()], 8, async (run) => {
    const [got, states] = await Promise.all([
      call(base, "GET", `/flow_runs/${run.id}`),
      call(base, "GET", `/flow_run_states/?flow_run_id=${run.id}`),
    ]);
    if (got.status !== 200) return void problems.push(`flow run ${run.id}: ${got.status}`);
    const stored = (states.json as AckedState[]).map((s) => s.id);
    let last = -1;
    for (const s of run.states) {
      const at = stored.indexOf(s.id);
      const found = (states.json as AckedState[])[at];
      if (at < 0) problems.push(`flow run ${run.id}: acknowledged ${s.type} state ${s.id} missing`);
      else if (found.type !== s.type)
        problems.push(`flow run ${run.id}: state ${s.id} is ${found.type}, acknowledged as ${s.type}`);
      else if (at < last) problems.push(`flow run ${run.id}: state ${s.id} out of order`);
      else last = at;
    }
    // The current state is the last acknowledged one, or one written after it whose answer the kill ate.
    const current = stored.indexOf(got.json.state_id);
    if (current < 0 || current < last)
      problems.push(
        `flow run ${run.id}: current state ${got.json.state_type} ${got.json.state_id} is not the last acknowledged (${run.states.at(-1)!.type}) or later`,
      );
    else if (current > last) cut.laterStates++;
  });
  const found = new Set<string>();
  const runIds = [...ledger.runs.keys()];
  for (let i = 0; i < runIds.length; i += 50) {
    const chunk = runIds.slice(i, i + 50);
    for (let offset = 0; ; offset += 200) {
      const r = await call(base, "POST", "/logs/filter", {
        logs: { flow_run_id: { any_: chunk } },
        limit: 200,
        offset,
      });
      if (r.status !== 200) throw new Error(`/logs/filter: ${r.status} ${JSON.stringify(r.json)}`);
      for (const l of r.json as Array<{ message: string }>) found.add(l.message);
      if (r.json.length < 200) break;
    }
  }
  for (const [runId, messages] of ledger.logs) {
    const missing = [...messages].filter((m) => !found.has(m));
    if (missing.length)
      problems.push(`flow run ${runId}: ${missing.length} acknowledged logs missing, e.g. ${missing[0]}`);
  }
  // A batch cut off by the kill is one transaction: all of it or none.
  for (const b of ledger.unacked) {
    const stored = b.messages.filter((m) => found.has(m)).length;
    if (stored !== 0 && stored !== b.messages.length)
      problems.push(`flow run ${b.runId}: ${stored} of ${b.messages.length} logs of an unacknowledged batch stored`);
    else if (stored) cut.storedBatches++;
  }
  // A wrong restart (another database) misses everything: show enough to see that, not thousands of lines.
  return problems.length > 30 ? [...problems.slice(0, 30), `… and ${problems.length - 30} more`] : problems;
}

/** Opens a copy of the crashed database (file and WAL as the kill left them) and checks it. */
function checkSqliteImage(home: string, ledger: Ledger): string[] {
  const dir = mkdtempSync(join(tmpdir(), "pl-crash-image-"));
  for (const suffix of ["", "-wal"]) {
    if (existsSync(join(home, `prefect.db${suffix}`)))
      copyFileSync(join(home, `prefect.db${suffix}`), join(dir, `prefect.db${suffix}`));
  }
  const db = new Database(join(dir, "prefect.db"));
  try {
    const problems: string[] = [];
    let integrity: string;
    try {
      integrity = db
        .query<{ integrity_check: string }, []>("PRAGMA integrity_check")
        .all()
        .map((r) => r.integrity_check)
        .join("; ");
    } catch (e) {
      integrity = String(e); // "database disk image is malformed" can be thrown rather than reported
    }
    if (integrity !== "ok") return [`integrity_check: ${integrity}`];
    const runs = new Set(
      db
        .query<{ id: string }, []>("SELECT id FROM flow_run")
        .all()
        .map((r) => r.id),
    );
    const states = new Set(
      db
        .query<{ id: string }, []>("SELECT id FROM flow_run_state")
        .all()
        .map((r) => r.id),
    );
    for (const run of ledger.runs.values()) {
      if (!runs.has(run.id)) problems.push(`image: flow run ${run.id} missing`);
      for (const s of run.states) if (!states.has(s.id)) problems.push(`image: state ${s.id} missing`);
    }
    return problems;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true }); // a copy of the crashed database: up to ~40 MB each
  }
}

const targets: Array<{ name: "sqlite" | "pg"; seed: number }> = [
  { name: "sqlite", seed: SEED },
  ...(PG_URL ? [{ name: "pg" as const, seed: SEED + 1 }] : []),
];

describe.each(targets)("crash durability on $name", ({ name, seed }) => {
  test(`${CYCLES} SIGKILLs under ${WRITERS} writers lose nothing acknowledged`, async () => {
    const started = performance.now();
    const home = tempHome();
    const env: Record<string, string> = { PREFECT_HOME: home };
    if (name === "pg") env.PREFECT_API_DATABASE_CONNECTION_URL = await freshPgUrl("crash");
    const ledger: Ledger = { flows: new Set(), runs: new Map(), logs: new Map(), unacked: [], unexpected: [] };
    const cut: CutOff = { laterStates: 0, storedBatches: 0 };
    const delays = rng(seed);
    let server = await startServer(env);
    let output = drain(server);
    // A failed expectation must not leave a server running after the test.
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const acks = { n: 0 };
        let dying = false;
        let stopped = 0;
        const writers = Array.from({ length: WRITERS }, (_, w) =>
          writer(server.base, w, cycle, rng(seed * 1000 + cycle * WRITERS + w), ledger, acks, () => dying).finally(
            () => stopped++,
          ),
        );
        // Kill while the writers are busy: after a few acknowledgements, then a random 0–900 ms more.
        while (acks.n < 10 && stopped < WRITERS) await Bun.sleep(5);
        expect(ledger.unexpected, output()).toEqual([]);
        await Bun.sleep(Math.floor(delays() * 900));
        dying = true;
        server.proc.kill("SIGKILL");
        await server.proc.exited;
        expect(server.proc.signalCode).toBe("SIGKILL");
        await Promise.all(writers);
        expect(ledger.unexpected, output()).toEqual([]);
        if (name === "sqlite") expect(checkSqliteImage(home, ledger)).toEqual([]);
        server = await startServer(env);
        output = drain(server);
        expect(await verify(server.base, ledger, cut), `after kill ${cycle + 1} (seed ${SEED})`).toEqual([]);
      }
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(0);
    } finally {
      if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill("SIGKILL");
    }
    if (name === "sqlite") expect(checkSqliteImage(home, ledger)).toEqual([]);
    const states = [...ledger.runs.values()].reduce((n, r) => n + r.states.length, 0);
    const logs = [...ledger.logs.values()].reduce((n, m) => n + m.size, 0);
    console.log(
      `crash-durability ${name}: ${CYCLES} kills, ${ledger.flows.size} flows, ${ledger.runs.size} flow runs, ${states} states, ${logs} logs acknowledged and found; ` +
        `${ledger.unacked.length} cut-off log batches all-or-none (${cut.storedBatches} had committed), ` +
        `${cut.laterStates} runs a state past their last acknowledged one; ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 50_000);
});
