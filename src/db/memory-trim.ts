// Gives memory back once the server goes quiet. Under load RSS climbs to a plateau and stays there:
// SQLite's page cache (cache_size 20000 pages, ~90 MB once the database is that big), the JS heap's
// garbage between collections and the prepared statements. An idle process returns none of it: nothing
// allocates, so no collection runs, and SQLite keeps its cache. test/bench/soak.ts measured 295 MB a minute
// after ten minutes of load, against 47 MB at start.
//
// Each call compares the request count with the last call's: a busy period followed by a quiet one
// (fewer than QUIET_REQUESTS since the last call, so health checks do not count as load) trims once:
// SQLite frees its unused cache pages (PRAGMA shrink_memory; the file's pages stay in the OS cache), a
// full collection runs and Bun.shrink() hands the freed pages back. Then nothing until the next busy period.
import type { DbHandle } from "./open.ts";

export const QUIET_REQUESTS = 10;

export function memoryTrimmer(db: DbHandle, requests: () => number): () => string | undefined {
  let seen = requests();
  let busy = false;
  return () => {
    const n = requests();
    const quiet = n - seen < QUIET_REQUESTS;
    seen = n;
    if (!quiet) {
      busy = true;
      return undefined;
    }
    if (!busy) return undefined;
    busy = false;
    const before = process.memoryUsage.rss();
    if (db.dialect === "sqlite") db.raw.run("PRAGMA shrink_memory");
    Bun.gc(true);
    Bun.shrink();
    const mb = (b: number) => (b / 2 ** 20).toFixed(0);
    return `trimmed after load: RSS ${mb(before)} → ${mb(process.memoryUsage.rss())} MB`;
  };
}
