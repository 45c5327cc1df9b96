// The server's one logger: Prefect's level names, set once from PREFECT_SERVER_LOGGING_LEVEL (or
// --log-level), lines on stderr. An error logs one line with its message; its stack trace only at DEBUG,
// so a bundled binary never prints pages of its own source for one failure.
import { maskCredentials } from "./redact.ts";

export const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type Level = (typeof LEVELS)[number];

const RANK: Record<Level, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
let threshold = RANK.WARNING;
let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

export function setLogLevel(level: string): void {
  const key = level.toUpperCase() as Level;
  threshold = RANK[key] ?? RANK.WARNING;
}

export const isEnabled = (level: Level) => RANK[level] >= threshold;

/** Tests capture lines here instead of reading stderr. */
export function setLogSink(next: ((line: string) => void) | null): void {
  sink = next ?? ((line) => process.stderr.write(`${line}\n`));
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** The error's own message on one line (never its stack, never a bundled source excerpt or a password). */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}` : String(e);
  return maskCredentials(text.replace(/\s*\n\s*/g, " "));
}

function emit(level: Level, message: string, error?: unknown, name = "prefect.server"): void {
  if (!isEnabled(level)) return;
  const tail = error === undefined ? "" : `: ${errorText(error)}`;
  sink(`${clock()} | ${level.padEnd(8)} | ${name} - ${maskCredentials(message)}${tail}`);
  if (error instanceof Error && error.stack && isEnabled("DEBUG")) sink(maskCredentials(error.stack));
}

export const log = {
  debug: (message: string, error?: unknown) => emit("DEBUG", message, error),
  info: (message: string, error?: unknown) => emit("INFO", message, error),
  warn: (message: string, error?: unknown) => emit("WARNING", message, error),
  error: (message: string, error?: unknown) => emit("ERROR", message, error),
  /** One request, at INFO, under uvicorn's logger name as Prefect's server prints it. */
  access: (message: string) => emit("INFO", message, undefined, "uvicorn.access"),
};
