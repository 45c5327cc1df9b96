// What every command shares: the settings (with `-p/--profile` from the command line), the configured
// database, and the single place where an error becomes a message and an exit code.
import { consola } from "consola";
import { AppError } from "../core/errors.ts";
import { errorText, isEnabled, setLogLevel } from "../core/logger.ts";
import { maskCredentials } from "../core/redact.ts";
import { openDatabase, type DbHandle, type SqliteSynchronous } from "../db/open.ts";
import { applyPassword, parseDatabaseUrl, type DbSpec } from "../db/url.ts";
import { findSetting } from "../settings/registry.ts";
import { Settings } from "../settings/sources.ts";

export const cli = {
  /** Set by main.ts from a leading `-p NAME` / `--profile NAME`, as `prefect -p NAME …` does. */
  profile: undefined as string | undefined,
  /** `server start --log-level`, which wins over the setting. */
  logLevel: undefined as string | undefined,
};

const LEVEL_SETTING = findSetting("PREFECT_SERVER_LOGGING_LEVEL")!;

export function loadSettings(): Settings {
  const settings = new Settings({ profile: cli.profile });
  // Now the profile's level is known too. The raw text is enough to decide on traces; a bad value is
  // reported by the command that reads the setting.
  setLogLevel(cli.logLevel ?? settings.resolve(LEVEL_SETTING.name).raw ?? "WARNING");
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
    poolMax:
      settings.get<number>("PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE") +
      settings.get<number>("PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW"),
    synchronous: settings.get<SqliteSynchronous>("PREFECT_LITE_SQLITE_SYNCHRONOUS"),
  });
}

/** A user-facing failure: printed as an error, exit code 1, no stack trace. */
export class CliError extends Error {}

/**
 * Wraps a command body: any failure prints ONE line and exits 1. Errors with a known shape (AppError,
 * CliError) print their message; anything else prints its one-line text. The stack trace (and a
 * cause's) follows only at DEBUG, so a bundled binary never prints pages of its own source. Every
 * line passes maskCredentials: a message may quote a database URL.
 */
export function guarded<A>(body: (ctx: A) => Promise<void> | void) {
  return async (ctx: A) => {
    const requested = (ctx as { args?: Record<string, unknown> })?.args?.["log-level"];
    if (typeof requested === "string") cli.logLevel = requested;
    // Until settings load (which may be what fails), the level comes from the flag or the environment.
    const fromEnv = [LEVEL_SETTING.name, ...LEVEL_SETTING.aliases].map((k) => process.env[k]).find(Boolean);
    setLogLevel(cli.logLevel ?? fromEnv ?? "WARNING");
    try {
      await body(ctx);
    } catch (e) {
      exitWithError(e);
    }
  };
}

/** The one place an error becomes output and an exit code; main.ts also routes stray rejections here. */
export function exitWithError(e: unknown): never {
  // The reader of our output went away (`config view | head -1`, `| grep -q`): nothing failed that a
  // message could explain, and a pipeline that got what it wanted should not see an error.
  if ((e as { code?: unknown })?.code === "EPIPE") process.exit(0);
  const known = e instanceof AppError || e instanceof CliError;
  const debug = isEnabled("DEBUG");
  const hint = known || debug ? "" : " (set PREFECT_SERVER_LOGGING_LEVEL=DEBUG to see the stack trace)";
  consola.error(maskCredentials(known ? (e as Error).message : `${errorText(e)}${hint}`));
  if (debug) process.stderr.write(`${maskCredentials(traceOf(e))}\n`);
  process.exit(1);
}

function traceOf(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    if (!(cur instanceof Error)) {
      parts.push(String(cur));
      break;
    }
    parts.push(cur.stack ?? errorText(cur));
    cur = cur.cause;
  }
  return parts.join("\nCaused by: ");
}

/** Asks y/N on a terminal; refuses without one, since nobody could have agreed. */
export async function confirm(question: string, yes: boolean, abortMessage: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY)
    throw new CliError(`${abortMessage}: confirmation needed but stdin is not a terminal. Pass -y/--yes to proceed.`);
  const answer = await consola.prompt(question, { type: "confirm", initial: false, cancel: "default" });
  if (answer !== true) throw new CliError(abortMessage);
}

/** Plain output (listings, SQL, values) goes straight to stdout: consola would decorate it in CI. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}
