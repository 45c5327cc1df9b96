// Background WAL checkpoints for the server's SQLite database. A checkpoint copies committed pages from
// the WAL into the database file and fsyncs it; SQLite runs it inside whichever COMMIT crosses
// wal_autocheckpoint pages, so under load every few commits stalled the only writer (and the event loop)
// for a checkpoint: over a third of the commit time set_state spends. Here a worker thread with its own
// connection checkpoints every 250 ms instead, on the other core, and the writer's own automatic
// checkpoint only steps in if the WAL ever reaches FALLBACK_PAGES (the thread stopped or fell behind).
import type { DbHandle } from "./open.ts";
import { log } from "../core/logger.ts";

const INTERVAL_MS = 250;
const FALLBACK_PAGES = 10_000;
const DEFAULT_PAGES = 1_000;

export async function startCheckpointer(db: DbHandle): Promise<() => Promise<void>> {
  if (db.dialect !== "sqlite" || db.spec.memory) return async () => {};
  const raw = db.raw;
  // Beside this file when run from source; in the compiled binary everything is bundled into one module
  // at the embedded root (/$bunfs/root/), and the worker entry point keeps its path under src/.
  const compiled = import.meta.url.includes("/$bunfs/");
  const thread = new Worker(
    new URL(compiled ? "./db/checkpoint-worker.ts" : "./checkpoint-worker.ts", import.meta.url).href,
  );
  try {
    await request(thread, { open: db.spec.path, intervalMs: INTERVAL_MS, synchronous: db.synchronous }, "ready");
  } catch (e) {
    thread.terminate();
    // Without the thread SQLite checkpoints on its own, as before: slower under load, never wrong.
    log.warn("background checkpoints unavailable", e);
    return async () => {};
  }
  thread.addEventListener("message", (event: MessageEvent<{ error?: string }>) => {
    if (event.data.error) log.warn(`background checkpoint failed: ${event.data.error}`);
  });
  raw.run(`PRAGMA wal_autocheckpoint = ${FALLBACK_PAGES}`);
  return async () => {
    raw.run(`PRAGMA wal_autocheckpoint = ${DEFAULT_PAGES}`);
    // The thread's connection closes first, so the server's close is the last one and removes the WAL.
    await request(thread, { stop: true }, "stopped").catch(() => {});
    thread.terminate();
  };
}

function request(worker: Worker, message: unknown, reply: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`checkpointer: no '${reply}' within 5 s`)), 5000);
    const onMessage = (event: MessageEvent<Record<string, unknown>>) => {
      if (!event.data[reply]) return;
      clearTimeout(timeout);
      worker.removeEventListener("message", onMessage);
      resolve();
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener(
      "error",
      (e) => {
        clearTimeout(timeout);
        reject(e);
      },
      { once: true },
    );
    worker.postMessage(message);
  });
}
