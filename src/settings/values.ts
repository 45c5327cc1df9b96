// Turning the strings that env vars and profiles hold into typed values, with Prefect-like messages.
import { maskCredentials } from "../core/redact.ts";
import { AppError } from "../core/errors.ts";
import { LOG_LEVELS, type SettingDef } from "./registry.ts";

const TRUE = new Set(["1", "true", "t", "yes", "y", "on"]);
const FALSE = new Set(["0", "false", "f", "no", "n", "off"]);

export type SettingValue = string | number | boolean | null;

/** Parses a raw string for a setting; throws AppError("invalid") naming the setting. */
export function parseSettingValue(def: SettingDef, raw: string): SettingValue {
  const fail = (msg: string) => new AppError("invalid", `Validation error for setting ${def.name}: ${msg}`);
  const text = raw.trim();
  switch (def.type) {
    case "bool": {
      const v = text.toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw fail(`Input should be a valid boolean, unable to interpret input '${raw}'`);
    }
    case "int": {
      if (!/^[+-]?\d+$/.test(text))
        throw fail(`Input should be a valid integer, unable to parse string as an integer: '${raw}'`);
      const n = Number(text);
      checkRange(def, n, fail);
      return n;
    }
    case "float": {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n))
        throw fail(`Input should be a valid number, unable to parse string as a number: '${raw}'`);
      checkRange(def, n, fail);
      return n;
    }
    case "level": {
      const v = text.toUpperCase();
      if (!LOG_LEVELS.includes(v))
        throw fail(`Input should be one of ${LOG_LEVELS.map((l) => `'${l}'`).join(", ")}: '${raw}'`);
      return v;
    }
    case "choice": {
      const v = text.toUpperCase();
      if (!def.choices?.includes(v))
        throw fail(`Input should be one of ${(def.choices ?? []).map((c) => `'${c}'`).join(", ")}: '${raw}'`);
      return v;
    }
    case "url": {
      if (!/^https?:\/\/[^\s/]+/i.test(text)) throw fail(`Input should be an http(s) URL: '${raw}'`);
      return text;
    }
    case "db-url": {
      if (!/^(sqlite|postgres|postgresql)(\+\w+)?:\/\//i.test(text)) {
        throw fail(
          `Unsupported database URL '${maskCredentials(raw)}': expected sqlite+aiosqlite:///… or postgresql+asyncpg://…`,
        );
      }
      return text;
    }
    default:
      return raw;
  }
}

function checkRange(def: SettingDef, n: number, fail: (m: string) => Error) {
  if (def.min !== undefined && n < def.min) throw fail(`Input should be greater than or equal to ${def.min}`);
  if (def.max !== undefined && n > def.max) throw fail(`Input should be less than or equal to ${def.max}`);
}
