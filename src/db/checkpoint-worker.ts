// The checkpointer thread (see checkpointer.ts): its own connection to the database file, copying
// committed WAL frames into the database every few hundred milliseconds. PASSIVE never waits for the
// writer or readers, so the server's connection is never blocked by it.
import { Database } from "bun:sqlite";

declare const self: Worker;

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

self.onmessage = (event: MessageEvent<{ open?: string; intervalMs?: number; synchronous?: string; stop?: true }>) => {
  const msg = event.data;
  if (msg.open) {
    db = new Database(msg.open);
    db.run("PRAGMA busy_timeout = 5000");
    // The server's durability: with OFF a checkpoint skips its fsyncs too.
    db.run(`PRAGMA synchronous = ${msg.synchronous ?? "FULL"}`);
    timer = setInterval(() => {
      try {
        db?.run("PRAGMA wal_checkpoint(PASSIVE)");
      } catch (e) {
        postMessage({ error: String(e) });
      }
    }, msg.intervalMs ?? 250);
    postMessage({ ready: true });
  } else if (msg.stop) {
    if (timer) clearInterval(timer);
    db?.close();
    db = null;
    postMessage({ stopped: true });
  }
};
