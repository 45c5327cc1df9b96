// The small checks the automation models are built from: each reads one field of what the client sent
// and either returns its normalised value or records a Prefect-style issue at the field's path, so one
// 422 names every problem in the body at once (as pydantic does) and nothing is half-accepted.
import type { FieldIssue } from "../core/errors.ts";
import { canonicalUuid } from "../core/uuid.ts";

export type Path = Array<string | number>;

export class Issues {
  readonly list: FieldIssue[] = [];
  add(path: Path, msg: string, type = "value_error"): undefined {
    this.list.push({ path, msg, type });
    return undefined;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function str(v: unknown, path: Path, is: Issues, dflt?: string): string | undefined {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v === "string") return v;
  return is.add(
    path,
    v === undefined ? "Field required" : "Input should be a valid string",
    v === undefined ? "missing" : "string_type",
  );
}

export function optStr(v: unknown, path: Path, is: Issues): string | null | undefined {
  if (v === undefined || v === null) return null;
  return str(v, path, is);
}

export function bool(v: unknown, path: Path, is: Issues, dflt: boolean): boolean | undefined {
  if (v === undefined) return dflt;
  if (typeof v === "boolean") return v;
  return is.add(path, "Input should be a valid boolean", "bool_type");
}

export function int(v: unknown, path: Path, is: Issues, dflt: number): number | undefined {
  if (v === undefined) return dflt;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return is.add(path, "Input should be a valid integer", "int_type");
}

export function uuid(v: unknown, path: Path, is: Issues, required = true): string | null | undefined {
  if (v === undefined || v === null) return required ? is.add(path, "Field required", "missing") : null;
  const id = typeof v === "string" ? canonicalUuid(v) : null;
  return id ?? is.add(path, "Input should be a valid UUID", "uuid_parsing");
}

/** A list of strings; Prefect's Set[str] fields keep first occurrences only. */
export function strings(v: unknown, path: Path, is: Issues, unique = false): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return is.add(path, "Input should be a valid list", "list_type");
  const out: string[] = [];
  v.forEach((s, i) => {
    if (typeof s !== "string") is.add([...path, i], "Input should be a valid string", "string_type");
    else if (!unique || !out.includes(s)) out.push(s);
  });
  return out;
}

export function dict(v: unknown, path: Path, is: Issues): Record<string, unknown> | null | undefined {
  if (v === undefined || v === null) return null;
  if (isObject(v)) return v;
  return is.add(path, "Input should be a valid dictionary", "dict_type");
}

/**
 * A duration as Prefect's DurationOrSecondsTimeDelta reads it: seconds as a number, or an ISO-8601
 * duration (PT10M, P1DT2H, …); answered in seconds, as Prefect serialises it (ser_json_timedelta=float).
 */
// Python's timedelta.max (pydantic refuses a duration past it): beyond it a trigger's window end is no
// timestamp at all.
const MAX_TIMEDELTA_SECONDS = 999_999_999 * 86_400;

export function seconds(v: unknown, path: Path, is: Issues, dflt: number): number | undefined {
  const n = parsedSeconds(v, path, is, dflt);
  if (n !== undefined && Math.abs(n) > MAX_TIMEDELTA_SECONDS)
    return is.add(
      path,
      "Input should be a valid timedelta, durations may not exceed 999,999,999 days",
      "time_delta_parsing",
    );
  return n;
}

function parsedSeconds(v: unknown, path: Path, is: Issues, dflt: number): number | undefined {
  if (v === undefined) return dflt;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const m = /^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      v,
    );
    if (m && v !== "P" && !v.endsWith("T")) {
      const [, neg, d, h, mi, s] = m;
      const total = Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
      return neg ? -total : total;
    }
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  }
  return is.add(path, "Input should be a valid timedelta", "time_delta_parsing");
}

export function oneOf<T extends string>(
  v: unknown,
  allowed: readonly T[],
  path: Path,
  is: Issues,
  dflt?: T,
): T | undefined {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  if (v === undefined) return is.add(path, "Field required", "missing");
  return is.add(path, `Input should be ${allowed.map((a) => `'${a}'`).join(", ")}`, "literal_error");
}

/** Keys not in `known` are refused, as Prefect's extra="forbid" models do. */
export function noExtra(o: Record<string, unknown>, known: readonly string[], path: Path, is: Issues): void {
  for (const k of Object.keys(o))
    if (!known.includes(k)) is.add([...path, k], "Extra inputs are not permitted", "extra_forbidden");
}
