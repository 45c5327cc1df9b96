// Database failures that are the client's or the moment's, not bugs: classified here (the db layer knows
// the drivers' codes) so the HTTP layer can answer 409, 422 or 503 instead of 500.
import { AppError, integrityConflict, invalid } from "../core/errors.ts";

export function classifyDbError(e: unknown): AppError | null {
  const err = e as { code?: string; errno?: number; name?: string; message?: string };
  const code = String(err?.code ?? "");
  // PostgreSQL SQLSTATEs (postgres.js PostgresError.code).
  if (code === "23505" || code === "23503" || code === "23502" || code === "23514") return integrityConflict();
  // Text PostgreSQL cannot read as its column's type (a non-UUID where a uuid goes): the client's input.
  if (code === "22P02")
    return invalid("A value does not have the type its field needs (e.g. an id that is not a UUID).");
  // Text PostgreSQL cannot hold: a NUL character (SQLite stores and compares it).
  if (code === "22021" || code === "22P05")
    return invalid("Text containing a NUL character (\\u0000) cannot be stored or searched.");
  // A value too large for an index row (a name of kilobytes of random text) or a statement with more
  // parameters than the protocol carries: the request's size, not a fault of ours.
  if (code === "54000" || code === "MAX_PARAMETERS_EXCEEDED")
    return invalid("The request is too large for the database: shorten its values or lists.");
  // 53100 disk_full, 53200 out_of_memory and 53300 too_many_connections pass; the SDK retries a 503.
  if (code === "40P01" || code === "40001" || code === "55P03" || code === "57014" || code.startsWith("53")) {
    return new AppError("unavailable", "Service Unavailable");
  }
  // bun:sqlite SQLiteError codes.
  if (code.startsWith("SQLITE_CONSTRAINT")) return integrityConflict();
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return new AppError("unavailable", "Service Unavailable");
  // A full disk (SQLITE_FULL, or the write error the OS reports for it) passes once space is freed.
  if (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"))
    return new AppError("unavailable", "Service Unavailable");
  if (code === "SQLITE_TOOBIG" || (code === "SQLITE_ERROR" && /too many SQL variables/i.test(err.message ?? ""))) {
    return invalid("The request is too large for the database: shorten its values or lists.");
  }
  // Pool exhausted or the connection dropped: worth a retry.
  if (
    code === "CONNECTION_CLOSED" ||
    code === "CONNECTION_ENDED" ||
    code === "CONNECT_TIMEOUT" ||
    code === "ECONNRESET"
  ) {
    return new AppError("unavailable", "Service Unavailable");
  }
  return null;
}

/**
 * PostgreSQL chose this transaction as a deadlock's or a serialization conflict's victim: the other
 * side went on, and the same transaction run again normally succeeds.
 */
export function isConflictVictim(e: unknown): boolean {
  const code = String((e as { code?: string })?.code ?? "");
  return code === "40P01" || code === "40001";
}

/**
 * Runs `run` again, up to `tries` times in all, while PostgreSQL makes it a conflict's victim. Only for
 * transactions that can simply run again (the same rows, idempotent writes, no effects outside).
 */
export async function retryConflictVictims<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (e) {
      if (i >= tries || !isConflictVictim(e)) throw e;
      await Bun.sleep(10 * i);
    }
  }
}
