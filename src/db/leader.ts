// One leader among the servers sharing a PostgreSQL database: Prefect's loop services (scheduler, late
// runs, cancellations, pauses) run on the server holding a session-level advisory lock, and the others
// stand by. A leader that dies (or loses its session) frees the lock at once and the next standby's check
// takes over. SQLite has one server by construction: it always leads.
//
// The lock has a client of its own, outside the main pool, with one connection that never idles out or
// ages out. postgres.js silently reconnects a connection whose session died (pg_terminate_backend, a
// PostgreSQL restart, a network drop), so a working connection proves nothing: each check asks pg_locks
// whether the current session holds the lock, and tries to take it when it does not. Trusting a working
// connection gave two leaders once the session was replaced. A client that failed is ended and replaced
// rather than trusted again (or handed back to a pool).
import postgres from "postgres";
import type { DbHandle } from "./open.ts";

export interface Leadership {
  /** True while this server holds the lock (trying to take it when it does not). */
  isLeader(): Promise<boolean>;
  /** Waits for a check under way, gives the lock up and closes its connection. */
  release(): Promise<void>;
}

// pg_try_advisory_lock(int4, int4): a class of our own, so other applications' locks never collide with
// ours, and a hash of the name with the schema the server works in (advisory locks are per database,
// and several prefect-lite databases may live in one as schemas). pg_locks shows such a lock with the
// two keys as oids in classid and objid, and objsubid 2 (1 is the single-bigint form).
const LOCK_CLASS = 0x50_4c_54_45; // "PLTE"

// A check that gets no answer (a network that drops packets; a reserved pool connection whose session
// was killed never answered again under Bun) is not leading; nor does a silent unlock hold up shutdown.
const CHECK_SECONDS = 15;

export function leadership(db: DbHandle, name: string): Leadership {
  if (db.dialect === "sqlite") return { isLeader: async () => true, release: async () => {} };
  // The spec's server, user and database, as open.ts passes them to the main pool, and that pool's TLS,
  // connect timeout and session settings as postgres.js parsed them: search_path above all, so that
  // current_schema() names the same schema on both.
  const { spec } = db;
  const main = db.sql.options;
  const open = () =>
    postgres({
      host: spec.host,
      port: spec.port,
      user: spec.user,
      password: spec.password || undefined,
      database: spec.database,
      ssl: main.ssl,
      connect_timeout: main.connect_timeout,
      connection: main.connection,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      onnotice: () => {},
    });
  let client: postgres.Sql | null = null;
  let broken = false;
  let pending: Promise<boolean> | null = null;

  const discard = async () => {
    const c = client;
    client = null;
    broken = false;
    await c?.end({ timeout: 1 }).catch(() => {});
  };

  const answer = async <T>(query: Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer")), CHECK_SECONDS * 1000);
    });
    try {
      return await Promise.race([query, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const check = async (): Promise<boolean> => {
    if (broken) await discard();
    client ??= open();
    const c = client;
    try {
      // One statement, so the look and the take happen on the same session; CASE takes the lock only when
      // it is not held already (a second take would stack a second hold on it).
      const query = c<{ ok: boolean }[]>`
        SELECT CASE WHEN EXISTS (
          SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
            AND classid = ${LOCK_CLASS}::int4::oid AND objid = hashtext(${name} || current_schema())::oid
            AND objsubid = 2
        ) THEN true ELSE pg_try_advisory_lock(${LOCK_CLASS}, hashtext(${name} || current_schema())) END AS ok`;
      const [r] = await answer(query);
      return r?.ok === true;
    } catch {
      if (client === c) broken = true;
      return false;
    }
  };

  return {
    isLeader() {
      pending ??= check().finally(() => {
        pending = null;
      });
      return pending;
    },
    async release() {
      while (pending) await pending;
      const c = client;
      if (c && !broken) {
        try {
          await answer(c`SELECT pg_advisory_unlock(${LOCK_CLASS}, hashtext(${name} || current_schema()))`);
        } catch {
          // The session is gone, and the lock with it.
        }
      }
      if (client === c) await discard();
    },
  };
}
