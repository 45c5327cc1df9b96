// What every command shares: the settings (with `-p/--profile` from the command line), the configured
// database, and the single place where an error becomes a message and an exit code.
import { consola } from "consola";
import { AppError } from "../core/errors.ts";
import { openDatabase, type DbHandle, type SqliteSynchronous } from "../db/open.ts";
import { applyPassword, parseDatabaseUrl, type DbSpec } from "../db/url.ts";
import { Settings } from "../settings/sources.ts";

/** Set by main.ts from a leading `-p NAME` / `--profile NAME`, as `prefect -p NAME …` does. */
export const cli = { profile: undefined as string | undefined };

export function loadSettings(): Settings {
  const settings = new Settings({ profile: cli.profile });
  if (settings.profileWarning) consola.warn(settings.profileWarning);
  return settings;
}

export function databaseSpec(settings: Settings): DbSpec {
  const url = settings.get<string>("PREFECT_SERVER_DATABASE_CONNECTION_URL");
  return parseDatabaseUrl(applyPassword(url, settings.get<string | null>("PREFECT_SERVER_DATABASE_PASSWORD")));
}

export async function openConfiguredDatabase(settings: Settings): Promise<DbHandle> {
  return openDatabase(databaseSpec(settings), {
    echo: settings.get<boolean>("PREFECT_SERVER_DATABASE_ECHO"),
    timeoutSeconds: settings.get<number>("PREFECT_SERVER_DATABASE_TIMEOUT"),
    connectTimeoutSeconds: settings.get<number>("PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT"),
    poolMax: settings.get<number>("PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE") + settings.get<number>("PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW"),
    synchronous: settings.get<SqliteSynchronous>("PREFECT_LITE_SQLITE_SYNCHRONOUS"),
  });
}

/** A user-facing failure: printed as an error, exit code 1, no stack trace. */
export class CliError extends Error {}

/** Wraps a command body so expected failures print one clear line and exit non-zero. */
export function guarded<A>(body: (ctx: A) => Promise<void> | void) {
  return async (ctx: A) => {
    try {
      await body(ctx);
    } catch (e) {
      if (e instanceof AppError || e instanceof CliError) {
        consola.error(e.message);
        process.exit(1);
      }
      const err = e as NodeJS.ErrnoException;
      if (err?.code === "ECONNREFUSED" || err?.code === "ENOTFOUND" || /connect|password authentication/i.test(err?.message ?? "")) {
        consola.error(`Could not connect to the database: ${err.message}`);
        process.exit(1);
      }
      throw e;
    }
  };
}

/** Asks y/N on a terminal; refuses without one, since nobody could have agreed. */
export async function confirm(question: string, yes: boolean, abortMessage: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${abortMessage}: confirmation needed but stdin is not a terminal. Pass -y/--yes to proceed.`);
  const answer = await consola.prompt(question, { type: "confirm", initial: false, cancel: "default" });
  if (answer !== true) throw new CliError(abortMessage);
}

/** Plain output (listings, SQL, values) goes straight to stdout: consola would decorate it in CI. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}
