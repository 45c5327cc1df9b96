// set_state without HTTP: the same store call and event publication the route makes, in this process,
// from N concurrent loops, against a fresh SQLite database with the event persister running. Separates
// what a transition costs the database layer from what the HTTP request around it costs, beside the
// same-run bun:sqlite autocommit insert rate the set_state goal is measured against.
//
//   bun test/bench/set-state-inprocess.ts DIR [--ms 4000] [--concurrency 64] [--synchronous FULL]   → JSON on stdout
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../../src/api/app.ts";
import { startCheckpointer } from "../../src/db/checkpointer.ts";
import { migrateToHead } from "../../src/db/migrator.ts";
import { openDatabase, type SqliteSynchronous } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { publishFlowRunTransition } from "../../src/events/run-events.ts";
import { nowTimestamp, type StateCreate } from "../../src/orchestration/index.ts";
import { baseConfig } from "../support/app.ts";

export interface InProcessResult {
  concurrency: number;
  transitions: number;
  seconds: number;
  perS: number;
  rejected: number;
}

// The API bench's cycle: SCHEDULED (AwaitingRetry) → PENDING → RUNNING → SCHEDULED …, all accepted.
function cycleState(step: number): StateCreate {
  const type = (["SCHEDULED", "PENDING", "RUNNING"] as const)[step % 3];
  return type === "SCHEDULED"
    ? { type, name: "AwaitingRetry", state_details: { scheduled_time: nowTimestamp() } }
    : { type };
}

export async function measureInProcess(
  dir: string,
  ms: number,
  concurrency: number,
  synchronous?: SqliteSynchronous,
): Promise<InProcessResult> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `inprocess-${process.pid}-${Date.now()}.db`);
  const db = await openDatabase(parseDatabaseUrl(`sqlite+aiosqlite:///${path}`), { synchronous });
  await migrateToHead(db);
  const stopCheckpointer = await startCheckpointer(db); // as the server runs it
  const app = createApp({ config: baseConfig, db, revision: null });
  const { flowRuns, flows } = app.stores;
  const { flow } = await flows.create({ name: "inprocess" });
  const runs: string[] = [];
  for (let i = 0; i < concurrency; i++)
    runs.push((await flowRuns.create({ flow_id: flow.id, state: { type: "PENDING" } })).run.id as string);

  let transitions = 0;
  let rejected = 0;
  const loop = async (id: string, end: number) => {
    // PENDING now: the next accepted step is RUNNING.
    for (let step = 2; performance.now() < end; step++) {
      const outcome = await flowRuns.setState(id, { proposed: cycleState(step), force: false, now: nowTimestamp() });
      publishFlowRunTransition(app.bus, outcome, nowTimestamp());
      if (outcome?.result.status === "ACCEPT") transitions++;
      else rejected++;
    }
  };
  // Warm-up, then the measured window.
  await Promise.all(runs.map((id) => loop(id, performance.now() + Math.min(1000, ms / 4))));
  transitions = 0;
  rejected = 0;
  const t0 = performance.now();
  await Promise.all(runs.map((id) => loop(id, t0 + ms)));
  const seconds = (performance.now() - t0) / 1000;
  await app.events.stop();
  await stopCheckpointer();
  await db.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  return { concurrency, transitions, seconds, perS: transitions / seconds, rejected };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ms: { type: "string", default: "4000" },
      concurrency: { type: "string", default: "64" },
      synchronous: { type: "string" },
    },
  });
  const sync = values.synchronous?.toUpperCase() as SqliteSynchronous | undefined;
  const result = await measureInProcess(
    positionals[0] ?? "/tmp/pl-inprocess",
    Number(values.ms),
    Number(values.concurrency),
    sync,
  );
  console.log(JSON.stringify(result));
  process.exit(0);
}
