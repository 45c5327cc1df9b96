// Database failures that are the client's or the moment's, not bugs: classified here (the db layer knows
// the drivers' codes) so the HTTP layer can answer 409, 422 or 503 instead of 500.
import { AppError, integrityConflict, invalid } from "../core/errors.ts";

export function classifyDbError(e: unknown): AppError | null {
  const err = e as { code?: string; errno?: number; name?: string; message?: string };
  const code = String(err?.code ?? "");
  // PostgreSQL SQLSTATEs (postgres.js PostgresError.code).
  if (code === "23505" || code === "23503" || code === "23502" || code === "23514") return integrityConflict();
  // Text PostgreSQL cannot hold: a NUL character (SQLite stores and compares it).
  if (code === "22021" || code === "22P05") return invalid("Text containing a NUL character (\\u0000) cannot be stored or searched.");
  if (code === "40P01" || code === "40001" || code === "55P03" || code === "57014" || code === "53300") {
    return new AppError("unavailable", "Service Unavailable");
  }
  // bun:sqlite SQLiteError codes.
  if (code.startsWith("SQLITE_CONSTRAINT")) return integrityConflict();
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return new AppError("unavailable", "Service Unavailable");
  // Pool exhausted or the connection dropped: worth a retry.
  if (code === "CONNECTION_CLOSED" || code === "CONNECTION_ENDED" || code === "CONNECT_TIMEOUT" || code === "ECONNRESET") {
    return new AppError("unavailable", "Service Unavailable");
  }
  return null;
}
