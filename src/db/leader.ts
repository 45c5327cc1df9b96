// One leader among the servers sharing a PostgreSQL database: Prefect's loop services (scheduler, late
// runs, cancellations, pauses) run on the server holding a session-level advisory lock, and the others
// stand by. The lock lives on one reserved connection, so a leader that dies (or loses its connection)
// frees it at once and the next standby's check takes over. SQLite has one server by construction: it
// always leads.
import type { DbHandle } from "./open.ts";
import type postgres from "postgres";

export interface Leadership {
  /** True while this server holds the lock (trying to take it when it does not). */
  isLeader(): Promise<boolean>;
  release(): Promise<void>;
}

// pg_try_advisory_lock(int4, int4): a class of our own, so other applications' locks never collide with
// ours, and a hash of the name with the schema the server works in (advisory locks are per database,
// and several prefect-lite databases may live in one as schemas).
const LOCK_CLASS = 0x50_4c_54_45; // "PLTE"

export function leadership(db: DbHandle, name: string): Leadership {
  if (db.dialect === "sqlite") return { isLeader: async () => true, release: async () => {} };
  const sql = db.sql;
  let held: postgres.ReservedSql | null = null;
  let pending: Promise<boolean> | null = null;

  const drop = async () => {
    const conn = held;
    held = null;
    if (!conn) return;
    try {
      await conn`SELECT pg_advisory_unlock(${LOCK_CLASS}, hashtext(${name} || current_schema()))`;
    } catch {
      // The connection is gone, and the lock with it.
    }
    conn.release();
  };

  const check = async (): Promise<boolean> => {
    if (held) {
      try {
        await held`SELECT 1`;
        return true;
      } catch {
        held.release();
        held = null;
      }
    }
    const conn = await sql.reserve();
    try {
      const [r] = await conn`SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext(${name} || current_schema())) AS ok`;
      if (r?.ok) {
        held = conn;
        return true;
      }
    } catch {
      // Treated as not leading; the next check tries again.
    }
    conn.release();
    return false;
  };

  return {
    isLeader() {
      pending ??= check().finally(() => {
        pending = null;
      });
      return pending;
    },
    release: drop,
  };
}
