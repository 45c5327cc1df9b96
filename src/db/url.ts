// SQLAlchemy-style database URLs (what Prefect users already have in their settings) → a connection spec.
import { isAbsolute, resolve } from "node:path";
import { AppError } from "../core/errors.ts";
import { CREDENTIAL_MASK, maskCredentials } from "../core/redact.ts";

export type DbSpec =
  | { dialect: "sqlite"; path: string; memory: boolean; display: string }
  | {
      dialect: "pg";
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      /** libpq-style options kept from the query string (sslmode, application_name, …). */
      params: Record<string, string>;
      display: string;
    };

const PASSWORD_PLACEHOLDERS = ["${PREFECT_API_DATABASE_PASSWORD}", "${PREFECT_SERVER_DATABASE_PASSWORD}"];

/** Substitutes the password placeholder, as Prefect does; a placeholder with no password set is an error. */
export function applyPassword(url: string, password: string | null): string {
  if (!PASSWORD_PLACEHOLDERS.some((p) => url.includes(p))) return url;
  if (password === null || password === "") {
    throw new AppError("invalid", "database password is None - please set PREFECT_SERVER_DATABASE_PASSWORD");
  }
  let out = url;
  for (const p of PASSWORD_PLACEHOLDERS) out = out.replaceAll(p, encodeURIComponent(password));
  return out;
}

export function parseDatabaseUrl(url: string): DbSpec {
  const m = /^([a-z][a-z0-9]*)(?:\+([a-z0-9_]+))?:\/\/(.*)$/is.exec(url.trim());
  if (!m) {
    const expected =
      "Expected e.g. sqlite+aiosqlite:///path/prefect.db or postgresql+asyncpg://user:pass@host:5432/db.";
    throw new AppError("invalid", `Could not parse the database URL '${maskCredentials(url)}'. ${expected}`);
  }
  const dialect = m[1].toLowerCase();
  const rest = m[3];
  if (dialect === "sqlite") return parseSqlite(url, rest);
  if (dialect === "postgresql" || dialect === "postgres") return parsePg(url, rest);
  throw new AppError(
    "invalid",
    `Unable to infer database configuration from provided dialect. Got dialect name '${dialect}'`,
  );
}

/**
 * decodeURIComponent's bare "URI error" names neither the URL nor the fix. The offending escape itself is
 * not quoted: it may be part of the password.
 */
function decodePart(original: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    const hint = `${what} has a '%' not followed by two hex digits (write a literal % as %25)`;
    throw new AppError("invalid", `Could not parse the database URL '${maskCredentials(original)}': ${hint}.`);
  }
}

function parseSqlite(original: string, rest: string): DbSpec {
  // SQLAlchemy: sqlite:// (nothing) is in memory; sqlite:///x is the relative path x; sqlite:////x is /x.
  const [pathPart, query = ""] = splitOnce(rest, "?");
  const params = new URLSearchParams(query);
  let path = pathPart.startsWith("/") ? pathPart.slice(1) : pathPart;
  if (path.startsWith("file:")) path = path.slice(5);
  const memory = path === "" || path === ":memory:" || path.startsWith(":memory:") || params.get("mode") === "memory";
  if (memory) return { dialect: "sqlite", path: ":memory:", memory: true, display: "sqlite (in memory)" };
  path = decodePart(original, path, "the path");
  const abs = isAbsolute(path) ? path : resolve(path);
  return { dialect: "sqlite", path: abs, memory: false, display: `sqlite:///${abs}` };
}

function parsePg(original: string, rest: string): DbSpec {
  let u: URL;
  // `user:pass@/db?host=/socket` (no host in the authority) is valid libpq but not a valid WHATWG URL.
  const authorityEnd = rest.indexOf("/");
  const emptyHost = authorityEnd >= 0 && /(^|@)$/.test(rest.slice(0, authorityEnd));
  if (emptyHost) rest = `${rest.slice(0, authorityEnd)}localhost${rest.slice(authorityEnd)}`;
  try {
    u = new URL(`postgres://${rest}`);
  } catch {
    const hint = "Check the host and that the port is a number from 1 to 65535.";
    throw new AppError("invalid", `Could not parse the PostgreSQL URL '${maskCredentials(original)}'. ${hint}`);
  }
  const database = decodePart(original, u.pathname.replace(/^\//, ""), "the database name");
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  // libpq lets the host come from the query (unix sockets); keep that form working.
  const host = params.host ?? (u.hostname ? decodePart(original, u.hostname, "the host") : "localhost");
  delete params.host;
  if (!database) throw new AppError("invalid", `The PostgreSQL URL '${maskCredentials(original)}' names no database.`);
  const spec = {
    dialect: "pg" as const,
    host,
    port: u.port ? Number(u.port) : 5432,
    user: decodePart(original, u.username, "the user name") || "postgres",
    password: decodePart(original, u.password, "the password"),
    database,
    params,
    display: "",
  };
  spec.display = `postgresql://${spec.user}${spec.password ? `:${CREDENTIAL_MASK}` : ""}@${host}:${spec.port}/${database}`;
  return spec;
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}
