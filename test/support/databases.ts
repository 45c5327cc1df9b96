// Which databases a store test runs on: SQLite always, PostgreSQL when the run has one (TEST_PG_URL, set
// by test/run.ts or the preload). In CI a missing PostgreSQL is a failure, not a skip.
import postgres from "postgres";

export const PG_URL = process.env.TEST_PG_URL ?? "";

if (!PG_URL) {
  const msg =
    "!!! PostgreSQL is not available: PostgreSQL cases are NOT running. Install postgresql (Debian) to run them.";
  if (process.env.CI) throw new Error(`${msg} (CI requires PostgreSQL)`);
  console.warn(msg);
}

let schemaCounter = 0;

/** A fresh, empty schema on the test cluster, returned as a prefect-style URL whose search_path points at it. */
export async function freshPgUrl(prefix = "t"): Promise<string> {
  const schema = `${prefix}_${process.pid}_${Date.now().toString(36)}_${schemaCounter++}`;
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  await sql.end();
  const u = new URL(PG_URL);
  u.searchParams.set("search_path", `${schema},public`);
  return u.toString().replace(/^postgresql:/, "postgresql+asyncpg:");
}

/** The dialects a store test runs on, as prefect-style URL factories. */
export const DIALECTS: Array<{ name: "sqlite" | "pg"; url: () => Promise<string> }> = [
  { name: "sqlite", url: async () => "sqlite+aiosqlite:///:memory:" },
  ...(PG_URL ? [{ name: "pg" as const, url: () => freshPgUrl() }] : []),
];
