// Keeps SQLite's planner statistics (sqlite_stat1) current. Without them SQLite guesses that every
// indexed value is rare, so "runs in state RUNNING or FAILED, newest first" reads a quarter of a million
// runs through the state index and sorts them (0.75 s at a million runs) instead of walking the
// start-time index and stopping after a page (1 ms). SQLite's advice for long-lived connections: run
// PRAGMA optimize with 0x10002 on open (analyses tables that never were, or grew a lot; about a second
// once for a million runs, nothing on a fresh or current database) and plain PRAGMA optimize now and
// then. PostgreSQL's autovacuum does the same on its own.
import type { DbHandle } from "./open.ts";
import { log } from "../core/logger.ts";

const EVERY_MS = 60 * 60 * 1000;

export function maintainPlannerStats(db: DbHandle): () => void {
  if (db.dialect !== "sqlite") return () => {};
  const raw = db.raw;
  const optimize = (pragma: string) => {
    try {
      raw.run(pragma);
    } catch (e) {
      // Stale statistics make queries slower, never wrong: not worth stopping the server for.
      log.warn(`${pragma} failed`, e);
    }
  };
  optimize("PRAGMA optimize=0x10002");
  const timer = setInterval(() => optimize("PRAGMA optimize"), EVERY_MS);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    optimize("PRAGMA optimize");
  };
}
