// Flow-run parameters checked against a deployment's parameter_openapi_schema, as Prefect's
// utilities/schema_tools/validation.py does: JSON Schema 2020-12 after the same preprocessing (optional
// fields without a default may be null, tuple `items` lists become `prefixItems`). The API and the
// dashboard's Run form call the same function, so a form shows exactly the error the API would give.
//
// Ajv (with ajv-formats) rather than a hand-written validator: it implements the whole 2020-12 draft,
// compiles each schema once, and its errors carry the failing instance path we name fields by.
//
// A schema comes from the client and both compiling it and running it happen on the event loop, so a
// schema is vetted before Ajv sees it (vetSchema): its size and shape are bounded, and every regular
// expression in it (`pattern`, `patternProperties` keys, so `propertyNames.pattern` too) must not be
// able to backtrack exponentially. Without that, one request stalled the whole server: a 4.2 MB schema
// took 25 s in Ajv's compile, and `^(\w+\s?)*$` against twenty 41-character strings took 18 s.
import type { AST } from "@eslint-community/regexpp";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { analyse } from "scslre";
import { AppError, invalidFields, isFieldIssues } from "../core/errors.ts";

type Schema = Record<string, unknown>;

// allErrors off: Ajv stops at the first failure, so a failing value costs no more than a passing one
// (and the message only ever named the first issue). Without allErrors Ajv nests one block per check, and
// its code optimizer is quadratic in that nesting (1,000 properties: 1.4 s with it, 0.15 s without).
const ajv = new Ajv2020({
  strict: false,
  allErrors: false,
  logger: false,
  validateSchema: false,
  code: { optimize: false },
});
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

// Compiled validators by schema text; deployments share few distinct schemas, but the cache is bounded.
// Only schemas that passed vetSchema and compiled are kept. A validator's code is about 20 times its
// schema's text, so the schemas' text is bounded too (a real schema is a few KB: 256 of them fit).
const MAX_CACHED = 256;
const MAX_CACHED_TEXT = 2 * 1024 * 1024;
const compiled = new Map<string, ValidateFunction>();
let cachedText = 0;

// Limits on a parameter schema. What the SDK generates (prefect.utilities.callables.parameter_schema)
// is far below them: a flow with 50 typed parameters, nested pydantic models, lists, dicts, tuples,
// Literals and a constrained str is 6 KB, 115 schema objects, nesting 7 deep and one pattern.
/** Serialized size (JSON text); about 85 times that flow. */
export const MAX_SCHEMA_BYTES = 512 * 1024;
/**
 * Objects and arrays in the schema, all levels together; about 17 times that flow. Compiling costs up to
 * 0.5 ms an object (a string field with pattern, length and date-time format), so the worst schema
 * within every limit here compiles in about a second (not 25 s), and only once while it stays cached.
 */
export const MAX_SCHEMA_NODES = 2_000;
/** Nesting of objects and arrays; nine times that flow (each model level adds two or three). */
export const MAX_SCHEMA_DEPTH = 64;
/**
 * Keys of one object (as parameters or a model's fields) or items of one array (as anyOf branches): Ajv
 * nests one block per check, and about 2,500 siblings overflow the stack while compiling.
 */
export const MAX_SCHEMA_WIDTH = 1_000;
/** Regular expressions (`pattern`s and `patternProperties` keys) in one schema. */
export const MAX_SCHEMA_PATTERNS = 500;
/** Length of one regular expression; real ones (slugs, e-mail, dates) are well under 200. */
export const MAX_PATTERN_LENGTH = 1_000;

function fixNullTyping(key: string, schema: Schema, required: string[]): void {
  if (!required.includes(key) && "type" in schema && schema.type !== "null" && !("default" in schema)) {
    schema.anyOf = [{ type: schema.type }, { type: "null" }];
    delete schema.type;
  }
}

function fixTupleItems(schema: Schema): void {
  if (Array.isArray(schema.items) && !schema.prefixItems) {
    schema.prefixItems = schema.items;
    delete schema.items;
  }
}

function processProperties(properties: Record<string, Schema>, required: string[]): void {
  for (const [key, schema] of Object.entries(properties)) {
    if (!schema || typeof schema !== "object") continue;
    fixNullTyping(key, schema, required);
    fixTupleItems(schema);
    if (schema.properties && typeof schema.properties === "object")
      processProperties(schema.properties as Record<string, Schema>, (schema.required as string[]) ?? []);
  }
}

/** Prefect's preprocess_schema: a copy with pydantic v1's quirks fixed. */
export function preprocessSchema(schema: Schema): Schema {
  const s = structuredClone(schema);
  if (s.properties && typeof s.properties === "object")
    processProperties(s.properties as Record<string, Schema>, (s.required as string[]) ?? []);
  const defs = s.definitions as Record<string, Schema> | undefined;
  if (defs && typeof defs === "object") {
    for (const def of Object.values(defs)) {
      if (def?.properties && typeof def.properties === "object")
        processProperties(def.properties as Record<string, Schema>, (def.required as string[]) ?? []);
    }
  }
  return s;
}

function schemaRefused(msg: string, path: (string | number)[] = []): never {
  throw invalidFields(`Invalid parameter schema: ${msg}`, [
    { path: ["parameter_openapi_schema", ...path], msg, type: "value_error" },
  ]);
}

// Keywords whose values are data, not schemas: no regular expression in them is ever compiled.
const DATA_KEYWORDS = new Set(["default", "examples", "example", "const", "enum"]);

const patternVerdicts = new Map<string, string | null>();
const MAX_VERDICTS = 1_024;

/**
 * Why `source` (compiled as Ajv does, with the u flag, and tested against client strings) may take
 * exponential time, or null. The nested-quantifier analysis is scslre's (the one behind
 * eslint-plugin-regexp's no-super-linear-backtracking), told to assume a rejecting suffix can always be
 * found, since Ajv searches unanchored strings a client chooses; on its AST we also refuse backreferences
 * (matching them is NP-hard, and no analysis bounds them) and an unbounded quantifier over alternatives
 * that can start alike, as `(a|aa)+`, which scslre does not report.
 */
export function patternDanger(source: string): string | null {
  const known = patternVerdicts.get(source);
  if (known !== undefined) return known;
  let verdict: string | null;
  if (source.length > MAX_PATTERN_LENGTH) verdict = `is longer than ${MAX_PATTERN_LENGTH} characters`;
  else {
    try {
      const result = analyse(
        { source, flags: "u" },
        { assumeRejectingSuffix: true, reportTypes: { Move: false }, maxReports: 8 },
      );
      const exponential = result.reports.find((r) => r.exponential);
      verdict = exponential
        ? `can take exponential time (nested quantifiers; try ${JSON.stringify(exponential.character.pick)} repeated, then a mismatch)`
        : astDanger(result.parsed.pattern);
    } catch (e) {
      verdict = `is not a valid regular expression: ${(e as Error).message}`;
    }
  }
  if (patternVerdicts.size >= MAX_VERDICTS) patternVerdicts.delete(patternVerdicts.keys().next().value as string);
  patternVerdicts.set(source, verdict);
  return verdict;
}

type Ranges = [number, number][] | "any";
const WORD: [number, number][] = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];

function setRanges(e: AST.CharacterSet): Ranges {
  if (e.kind === "digit" && !e.negate) return [[48, 57]];
  if (e.kind === "word" && !e.negate) return WORD;
  return "any";
}

function classElementRanges(e: AST.CharacterClassElement): Ranges {
  if (e.type === "Character") return [[e.value, e.value]];
  if (e.type === "CharacterClassRange") return [[e.min.value, e.max.value]];
  if (e.type === "CharacterSet") return setRanges(e);
  return "any";
}

function union(parts: Ranges[]): Ranges {
  const out: [number, number][] = [];
  for (const p of parts) {
    if (p === "any") return "any";
    out.push(...p);
  }
  return out;
}

/** The characters an element can start with ("any" when unsure, or when it can match nothing). */
function firstChars(e: AST.Element): Ranges {
  switch (e.type) {
    case "Character":
      return [[e.value, e.value]];
    case "CharacterSet":
      return setRanges(e);
    case "CharacterClass":
      return e.negate ? "any" : union(e.elements.map(classElementRanges));
    case "Group":
    case "CapturingGroup":
      return union(e.alternatives.map(altFirstChars));
    case "Quantifier":
      return e.min > 0 ? firstChars(e.element) : "any";
    default:
      return "any";
  }
}

function altFirstChars(a: AST.Alternative): Ranges {
  return a.elements.length ? firstChars(a.elements[0]) : "any";
}

function overlap(a: Ranges, b: Ranges): boolean {
  if (a === "any" || b === "any") return true;
  return a.some(([lo, hi]) => b.some(([l, h]) => lo <= h && l <= hi));
}

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

function astDanger(pattern: AST.Pattern): string | null {
  let danger: string | null = null;
  const visit = (node: AST.Node, underRepeat: boolean): void => {
    if (danger) return;
    if (node.type === "Backreference") {
      danger = `uses a backreference (${node.raw})`;
      return;
    }
    if ((node.type === "Group" || node.type === "CapturingGroup") && underRepeat && node.alternatives.length > 1) {
      const firsts = node.alternatives.map(altFirstChars);
      for (let i = 0; i < firsts.length && !danger; i++)
        for (let j = i + 1; j < firsts.length && !danger; j++)
          if (overlap(firsts[i], firsts[j]))
            danger = `can take exponential time (repeated alternatives that can match alike in ${clip(node.raw)})`;
    }
    const repeat = underRepeat || (node.type === "Quantifier" && node.max > 10);
    if (node.type === "Quantifier") visit(node.element, repeat);
    else if ("alternatives" in node) for (const a of node.alternatives) visit(a, repeat);
    else if (node.type === "Alternative") for (const el of node.elements) visit(el, repeat);
  };
  visit(pattern, false);
  return danger;
}

/**
 * Refuses (422 on parameter_openapi_schema) a schema too large or too deep to compile quickly, or with a
 * regular expression that can backtrack catastrophically; `text` is its JSON.
 */
function vetSchema(schema: Schema, text: string): void {
  if (text.length > MAX_SCHEMA_BYTES)
    schemaRefused(`the schema is ${text.length} bytes, more than the ${MAX_SCHEMA_BYTES} allowed`);
  let nodes = 0;
  let patterns = 0;
  const checkPattern = (source: string, path: (string | number)[]) => {
    if (++patterns > MAX_SCHEMA_PATTERNS) schemaRefused(`the schema has more than ${MAX_SCHEMA_PATTERNS} patterns`);
    const danger = patternDanger(source);
    if (danger) schemaRefused(`the pattern at ${jsonPath(path)} ${danger}`, path);
  };
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (!value || typeof value !== "object") return;
    if (++nodes > MAX_SCHEMA_NODES) schemaRefused(`the schema has more than ${MAX_SCHEMA_NODES} objects and arrays`);
    if (path.length >= MAX_SCHEMA_DEPTH) schemaRefused(`the schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
    const width = Array.isArray(value) ? value.length : Object.keys(value).length;
    if (width > MAX_SCHEMA_WIDTH)
      schemaRefused(`${jsonPath(path)} has ${width} entries, more than the ${MAX_SCHEMA_WIDTH} allowed`, path);
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, i]);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (DATA_KEYWORDS.has(k)) continue;
      if (k === "pattern" && typeof v === "string") checkPattern(v, [...path, k]);
      else if (k === "patternProperties" && v && typeof v === "object" && !Array.isArray(v)) {
        for (const key of Object.keys(v)) checkPattern(key, [...path, k, key]);
      }
      walk(v, [...path, k]);
    }
  };
  walk(schema, []);
}

/** `$.properties.x.items.pattern`, as Prefect names places in a document. */
function jsonPath(path: (string | number)[]): string {
  const part = (p: string | number) =>
    typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return `$${path.map(part).join("")}`;
}

function validatorFor(schema: Schema): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (v) return v;
  vetSchema(schema, key);
  const processed = preprocessSchema(schema);
  try {
    v = ajv.compile(processed);
  } catch (e) {
    schemaRefused((e as Error).message);
  } finally {
    // Ajv keeps every schema it compiled (and its $id); the function works without, and our cache is
    // the bounded one.
    ajv.removeSchema(processed);
  }
  while (compiled.size && (compiled.size >= MAX_CACHED || cachedText + key.length > MAX_CACHED_TEXT)) {
    const oldest = compiled.keys().next().value as string;
    compiled.delete(oldest);
    cachedText -= oldest.length;
  }
  compiled.set(key, v);
  cachedText += key.length;
  return v;
}

/**
 * The same refusal as checkParameters gives for a hostile schema, without compiling it: for storing a
 * parameter_openapi_schema that comes without parameters to check.
 */
export function checkParameterSchema(schema: Schema, field?: Array<string | number>): void {
  try {
    vetSchema(schema, JSON.stringify(schema));
  } catch (e) {
    // Another schema than a deployment's (a work pool's job variables): named by its own field.
    if (!field || !(e instanceof AppError) || !isFieldIssues(e.detail)) throw e;
    throw invalidFields(
      e.message.replace("Invalid parameter schema", "Invalid schema"),
      e.detail.fields.map((f) => ({ ...f, path: [...field, ...f.path.slice(1)] })),
    );
  }
}

/** How many compiled validators are kept, and their schemas' text (for tests). */
export function validatorCache(): { size: number; text: number } {
  return { size: compiled.size, text: cachedText };
}

export interface ParameterIssue {
  /** The parameter's path, e.g. ["x"] or ["config", "retries"]. */
  path: string[];
  message: string;
}

function issueOf(e: ErrorObject): ParameterIssue {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (e.keyword === "required") path.push(String((e.params as { missingProperty: string }).missingProperty));
  const message = e.keyword === "required" ? `'${path.at(-1)}' is a required property` : `${e.message ?? "is invalid"}`;
  return { path, message };
}

/** Every problem with `parameters` under `schema` (empty when they fit); `ignoreRequired` as Prefect's. */
export function parameterIssues(parameters: unknown, schema: Schema, ignoreRequired = false): ParameterIssue[] {
  const s = ignoreRequired ? withoutRequired(schema) : schema;
  const validate = validatorFor(s);
  if (validate(parameters)) return [];
  // anyOf/oneOf report one error per branch; the first per path is the clearest.
  const seen = new Set<string>();
  const out: ParameterIssue[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === "anyOf" || e.keyword === "oneOf") continue;
    const issue = issueOf(e);
    const key = issue.path.join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out.length ? out : [{ path: [], message: "does not match the parameter schema" }];
}

/**
 * Throws a 422 naming each parameter that does not fit (`field` is where parameters sit in the body).
 * The message reads as Prefect's: "Validation failed for field 'x'. Failure reason: …".
 */
export function checkParameters(parameters: unknown, schema: Schema, opts: { ignoreRequired?: boolean } = {}): void {
  const issues = parameterIssues(parameters, schema, opts.ignoreRequired);
  if (!issues.length) return;
  const first = issues[0];
  const where = first.path.length ? `Validation failed for field '${first.path.join(".")}'.` : "Validation failed.";
  throw invalidFields(
    `${where} Failure reason: ${first.message}`,
    issues.map((i) => ({ path: ["parameters", ...i.path], msg: i.message, type: "parameter_schema" })),
  );
}

function withoutRequired(value: unknown): Schema {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "required") out[k] = strip(x);
    return out;
  };
  return strip(value) as Schema;
}
