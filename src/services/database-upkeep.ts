// prefect-lite's own upkeep of its database, run as services so the settings page shows them like the
// rest: background WAL checkpoints and planner statistics for SQLite (db/checkpointer.ts,
// db/planner-stats.ts), folding PostgreSQL's per-hour run-count deltas (store/dashboard.ts), and giving
// memory back after a burst of load (db/memory-trim.ts). They have no Prefect settings and run with
// --no-services too: the server needs them either way.
import { startCheckpointer } from "../db/checkpointer.ts";
import { memoryTrimmer } from "../db/memory-trim.ts";
import type { DbHandle } from "../db/open.ts";
import { OPTIMIZE, OPTIMIZE_ON_OPEN, optimizePlanner } from "../db/planner-stats.ts";
import type { DashboardStore } from "../store/dashboard.ts";
import { LoopService, RunningService, type Service } from "./service.ts";

const HOURLY_FOLD_SECONDS = 10;
const PLANNER_STATS_SECONDS = 3600;
const MEMORY_TRIM_SECONDS = 10;

/** `requests` counts the requests served (api/app.ts); without it there is no memory trim. */
export function databaseUpkeep(deps: { db: DbHandle; dashboard: DashboardStore; requests?: () => number }): Service[] {
  const { db } = deps;
  const upkeep = { settingKey: null, enabled: true, prefectService: false };
  const trim = deps.requests ? memoryTrimmer(db, deps.requests) : null;
  const memory = trim
    ? [
        new LoopService({
          ...upkeep,
          name: "Memory trim",
          description: "Returns the page cache, garbage and freed pages to the system once load stops.",
          loopSeconds: MEMORY_TRIM_SECONDS,
          runOnce: async () => trim(),
        }),
      ]
    : [];
  if (db.dialect === "pg") {
    // Readers sum deltas and folded rows alike, so a slow or failed fold only leaves more rows to sum.
    return [
      ...memory,
      new LoopService({
        ...upkeep,
        name: "Hourly run counts",
        description: "Folds the per-hour run-count deltas the dashboard reads.",
        loopSeconds: HOURLY_FOLD_SECONDS,
        runOnce: () => deps.dashboard.compact(),
        onStop: () => deps.dashboard.compact(),
      }),
    ];
  }
  let first = true;
  const planner = new LoopService({
    ...upkeep,
    name: "Planner statistics",
    description: "Keeps SQLite's query planner statistics current (PRAGMA optimize).",
    loopSeconds: PLANNER_STATS_SECONDS,
    runOnce: async () => {
      optimizePlanner(db, first ? OPTIMIZE_ON_OPEN : OPTIMIZE);
      first = false;
    },
    onStop: () => optimizePlanner(db, OPTIMIZE),
  });
  if (db.spec.memory) return [planner, ...memory];
  let stopThread: (() => Promise<void>) | null = null;
  const checkpointer = new RunningService(
    {
      ...upkeep,
      name: "WAL checkpointer",
      description: "Checkpoints SQLite's write-ahead log on a worker thread, so commits never wait for it.",
    },
    {
      start: async () => {
        stopThread = await startCheckpointer(db);
      },
      stop: async () => {
        await stopThread?.();
        stopThread = null;
      },
    },
  );
  return [planner, checkpointer, ...memory];
}
