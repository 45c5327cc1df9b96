// A block schema's checksum, computed as the SDK computes it (Block._calculate_schema_checksum in the
// pinned prefect): "sha256:" + the hex SHA-256 of Python's json.dumps(((fields,), {}), sort_keys=True)
// over the fields without any secret_fields key and with only the definitions that are not blocks. A
// schema is identified by its checksum and version, so the server must agree with the client byte for
// byte; test/store/blocks.test.ts checks every built-in schema against the SDK's own checksum.
import { createHash } from "node:crypto";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Python's json.dumps with its default separators, ensure_ascii and sort_keys. */
export function pythonJson(v: Json): string {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : pyFloat(v);
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(", ")}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${pyString(k)}: ${pythonJson(v[k]!)}`).join(", ")}}`;
}

/** ensure_ascii: everything outside printable ASCII as \uXXXX (surrogate pairs for astral characters). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** repr(float): JavaScript's shortest form, with Python's exponent spelling (1e-07, 1e+16). */
function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : Number.isNaN(n) ? "NaN" : "-Infinity";
  const s = String(n);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${m[3]!.padStart(2, "0")}`;
  return s.includes(".") ? s : `${s}.0`;
}

/** Prefect's remove_nested_keys: drops the keys at any depth of nested objects (not inside arrays). */
function withoutKeys(v: Json, keys: string[]): Json {
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!keys.includes(k)) out[k] = withoutKeys(x, keys);
  return out;
}

/** Every "$ref" inside v (objects and arrays, at any depth), in document order. */
export function referenceStrings(v: Json): string[] {
  const found: string[] = [];
  const walk = (x: Json) => {
    if (Array.isArray(x)) for (const item of x) walk(item);
    else if (isObject(x)) {
      if (typeof x.$ref === "string") found.push(x.$ref);
      for (const value of Object.values(x)) walk(value);
    }
  };
  walk(v);
  return found;
}

/**
 * Prefect's _get_non_block_reference_definitions: the definitions reachable from `v` through $refs
 * that are not blocks (no block_type_slug), transitively. A definition already taken is not walked
 * again (Python would recurse for ever on a cycle).
 */
export function nonBlockDefinitions(v: Json, definitions: JsonObject, seen = new Set<string>()): JsonObject {
  let out: JsonObject = {};
  for (const ref of referenceStrings(v)) {
    const key = ref.replace("#/definitions/", "");
    const def = definitions[key];
    // Python's `if definition`: an empty definition (JsonValue's {}) is left out.
    if (
      !isObject(def) ||
      !Object.keys(def).length ||
      (def.block_type_slug !== undefined && def.block_type_slug !== null)
    )
      continue;
    if (seen.has(key)) {
      out[key] = def;
      continue;
    }
    seen.add(key);
    out = { ...out, [key]: def, ...nonBlockDefinitions(def, definitions, seen) };
  }
  return out;
}

export function blockSchemaChecksum(fields: Record<string, unknown>): string {
  const f = withoutKeys(fields as JsonObject, ["secret_fields"]) as JsonObject;
  const defs = f.definitions;
  if (isObject(defs) && Object.keys(defs).length) {
    const nonBlock = nonBlockDefinitions(f, defs);
    if (Object.keys(nonBlock).length) f.definitions = nonBlock;
    else delete f.definitions;
  }
  const text = pythonJson([[f], {}]);
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}
