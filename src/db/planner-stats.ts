// Keeps SQLite's planner statistics (sqlite_stat1) current. Without them SQLite guesses that every
// indexed value is rare, so "runs in state RUNNING or FAILED, newest first" reads a quarter of a million
// runs through the state index and sorts them (0.75 s at a million runs) instead of walking the
// start-time index and stopping after a page (1 ms). SQLite's advice for long-lived connections: run
// PRAGMA optimize with 0x10002 on open (analyses tables that never were, or grew a lot; about a second
// once for a million runs, nothing on a fresh or current database) and plain PRAGMA optimize now and
// then (services/database-upkeep.ts runs it hourly and at stop). PostgreSQL's autovacuum does the same.
import type { SqliteHandle } from "./open.ts";

export const OPTIMIZE_ON_OPEN = "PRAGMA optimize=0x10002";
export const OPTIMIZE = "PRAGMA optimize";

export function optimizePlanner(db: SqliteHandle, pragma: string = OPTIMIZE): void {
  db.raw.run(pragma);
}
