// Our own migrator over the embedded revisions: up and down, one transaction per revision, the applied
// ids kept in prefect_lite_migrations. Targets follow Prefect's CLI: head, base, -N, +N, an id or its prefix.
import { AppError } from "../core/errors.ts";
import type { DbHandle } from "./open.ts";
import { MIGRATIONS_TABLE, revisionsFor, type Revision } from "./revisions.ts";

export interface MigrationStatus {
  /** The newest applied revision ("0002_events"), or null at base. */
  current: string | null;
  applied: Revision[];
  pending: Revision[];
  all: readonly Revision[];
}

export const label = (r: Revision) => `${r.id}_${r.name}`;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;

async function appliedIds(db: DbHandle): Promise<string[]> {
  if (db.dialect === "sqlite") {
    db.raw.run(CREATE_TABLE);
    return db.raw
      .query<{ id: string }, []>(`SELECT id FROM ${MIGRATIONS_TABLE} ORDER BY id`)
      .all()
      .map((r) => r.id);
  }
  await db.sql.unsafe(CREATE_TABLE);
  return (await db.sql.unsafe<{ id: string }[]>(`SELECT id FROM ${MIGRATIONS_TABLE} ORDER BY id`)).map((r) => r.id);
}

export async function migrationStatus(db: DbHandle): Promise<MigrationStatus> {
  const all = revisionsFor(db.dialect);
  const ids = new Set(await appliedIds(db));
  const applied = all.filter((r) => ids.has(r.id));
  const pending = all.filter((r) => !ids.has(r.id));
  return { current: applied.length ? label(applied[applied.length - 1]) : null, applied, pending, all };
}

/** Finds a revision by id, id prefix or full label ("0001", "0001_core"). */
function findRevision(all: readonly Revision[], ref: string): Revision {
  const matches = all.filter((r) => r.id === ref || label(r) === ref || r.id.startsWith(ref));
  if (matches.length === 1) return matches[0];
  const known = all.map(label).join(", ");
  if (!matches.length) throw new AppError("invalid", `Unknown revision '${ref}'. Known revisions: ${known}.`);
  throw new AppError("invalid", `Revision '${ref}' is ambiguous: ${matches.map(label).join(", ")}.`);
}

/** The revisions `upgrade -r TARGET` applies, in order. */
export function planUpgrade(status: MigrationStatus, target = "head"): Revision[] {
  if (target === "head" || target === "heads") return status.pending;
  const rel = /^\+(\d+)$/.exec(target);
  if (rel) {
    const n = Number(rel[1]);
    if (n > status.pending.length)
      throw new AppError(
        "invalid",
        `Relative revision ${target} is beyond head: only ${status.pending.length} revision(s) are pending.`,
      );
    return status.pending.slice(0, n);
  }
  const rev = findRevision(status.all, target);
  const idx = status.pending.indexOf(rev);
  if (idx < 0) return [];
  return status.pending.slice(0, idx + 1);
}

/** The revisions `downgrade -r TARGET` reverts, newest first. TARGET itself stays applied. */
export function planDowngrade(status: MigrationStatus, target = "-1"): Revision[] {
  const newestFirst = [...status.applied].reverse();
  if (target === "base") return newestFirst;
  const rel = /^-(\d+)$/.exec(target);
  if (rel) {
    const n = Number(rel[1]);
    if (n === 0) return [];
    if (n > newestFirst.length) {
      throw new AppError(
        "invalid",
        newestFirst.length
          ? `Relative revision ${target} is below base: only ${newestFirst.length} revision(s) are applied.`
          : "Nothing to downgrade: the database is at base.",
      );
    }
    return newestFirst.slice(0, n);
  }
  const rev = findRevision(status.all, target);
  const idx = newestFirst.indexOf(rev);
  if (idx < 0)
    throw new AppError(
      "invalid",
      `Destination ${label(rev)} is not a valid downgrade target from the current revision ${status.current ?? "base"}.`,
    );
  return newestFirst.slice(0, idx);
}

export async function applyUp(db: DbHandle, revisions: Revision[]): Promise<void> {
  for (const r of revisions)
    await runInTransaction(
      db,
      r,
      "up",
      `INSERT INTO ${MIGRATIONS_TABLE} (id, name, applied_at) VALUES ('${r.id}', '${r.name}', '${new Date().toISOString()}')`,
    );
}

export async function applyDown(db: DbHandle, revisions: Revision[]): Promise<void> {
  for (const r of revisions)
    await runInTransaction(db, r, "down", `DELETE FROM ${MIGRATIONS_TABLE} WHERE id = '${r.id}'`);
}

/** Brings the database to head: what `server start` does when migrate-on-start is on. */
export async function migrateToHead(db: DbHandle): Promise<Revision[]> {
  const plan = planUpgrade(await migrationStatus(db));
  await applyUp(db, plan);
  return plan;
}

/** Every revision down, then every revision up: an empty database at head. */
export async function resetDatabase(db: DbHandle, progress: (step: "down" | "up") => void = () => {}): Promise<void> {
  progress("down");
  await applyDown(db, planDowngrade(await migrationStatus(db), "base"));
  progress("up");
  await applyUp(db, planUpgrade(await migrationStatus(db), "head"));
}

async function runInTransaction(
  db: DbHandle,
  r: Revision,
  direction: "up" | "down",
  bookkeeping: string,
): Promise<void> {
  const body = r[direction];
  if (db.dialect === "sqlite") {
    // Foreign keys cannot be switched inside a transaction; table rebuilds need them off (as Prefect does).
    db.raw.run("PRAGMA foreign_keys = OFF");
    try {
      db.raw.run("BEGIN IMMEDIATE");
      try {
        db.raw.run(body);
        db.raw.run(bookkeeping);
        db.raw.run("COMMIT");
      } catch (e) {
        db.raw.run("ROLLBACK");
        throw e;
      }
    } finally {
      db.raw.run("PRAGMA foreign_keys = ON");
    }
    return;
  }
  await db.sql.begin(async (tx) => {
    // Two servers starting at once on one PostgreSQL database must not both migrate.
    await tx`SELECT pg_advisory_xact_lock(7071)`;
    const [done] = await tx.unsafe(`SELECT 1 FROM ${MIGRATIONS_TABLE} WHERE id = '${r.id}'`);
    if ((direction === "up") === !!done) return; // the other server got there first
    await tx.unsafe(body);
    await tx.unsafe(bookkeeping);
  });
}
