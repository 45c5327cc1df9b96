// Flow-run parameters against a deployment's parameter_openapi_schema (src/schemas/parameters.ts): the
// checks Prefect's validation.py makes, and the refusals of schemas that would stall the event loop.
import { describe, expect, test } from "bun:test";
import {
  checkParameterSchema,
  checkParameters,
  MAX_SCHEMA_BYTES,
  parameterIssues,
  patternDanger,
  validatorCache,
} from "../../src/schemas/parameters.ts";

type Schema = Record<string, unknown>;

/** The AppError checkParameters throws (or null): its message and the fields' paths and messages. */
function refusal(parameters: unknown, schema: Schema, opts: { ignoreRequired?: boolean } = {}) {
  try {
    checkParameters(parameters, schema, opts);
    return null;
  } catch (e) {
    const err = e as { kind: string; message: string; detail: { fields: { path: unknown[]; msg: string }[] } };
    return { kind: err.kind, message: err.message, fields: err.detail.fields };
  }
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const SCHEMA: Schema = {
  type: "object",
  title: "Parameters",
  properties: {
    n: { type: "integer", title: "n", position: 0 },
    name: { type: "string", title: "name", default: "x", position: 1 },
    note: { type: "string", title: "note", position: 2 },
    color: { enum: ["red", "green"], type: "string", position: 3 },
    pair: { type: "array", items: [{ type: "integer" }, { type: "string" }], position: 4 },
    config: { $ref: "#/definitions/Config", position: 5 },
  },
  required: ["n"],
  definitions: {
    Config: {
      type: "object",
      properties: { retries: { type: "integer" }, label: { type: "string" } },
      required: ["retries"],
    },
  },
};

describe("checkParameters", () => {
  test("parameters that fit pass", () => {
    expect(refusal({ n: 1, name: "a", color: "red", pair: [1, "a"], config: { retries: 2 } }, SCHEMA)).toBeNull();
    expect(parameterIssues({ n: 1 }, SCHEMA)).toEqual([]);
  });

  test("a wrong type names the field, in Prefect's words", () => {
    const r = refusal({ n: "seven" }, SCHEMA);
    expect(r?.kind).toBe("invalid");
    expect(r?.message).toBe("Validation failed for field 'n'. Failure reason: must be integer");
    expect(r?.fields[0].path).toEqual(["parameters", "n"]);
    expect(parameterIssues({ n: "seven" }, SCHEMA)).toEqual([{ path: ["n"], message: "must be integer" }]);
  });

  test("a missing required parameter, unless required is ignored", () => {
    const r = refusal({ name: "a" }, SCHEMA);
    expect(r?.message).toBe("Validation failed for field 'n'. Failure reason: 'n' is a required property");
    expect(r?.fields[0].path).toEqual(["parameters", "n"]);
    expect(refusal({ name: "a" }, SCHEMA, { ignoreRequired: true })).toBeNull();
    // Nested required too.
    expect(refusal({ n: 1, config: {} }, SCHEMA)?.fields[0].path).toEqual(["parameters", "config", "retries"]);
    expect(refusal({ n: 1, config: {} }, SCHEMA, { ignoreRequired: true })).toBeNull();
  });

  test("null for an optional field without a default; not for one with a default", () => {
    expect(refusal({ n: 1, note: null }, SCHEMA)).toBeNull();
    expect(refusal({ n: 1, name: null }, SCHEMA)?.fields[0].path).toEqual(["parameters", "name"]);
    expect(refusal({ n: null }, SCHEMA)?.fields[0].path).toEqual(["parameters", "n"]);
  });

  test("tuple items are prefixItems", () => {
    expect(refusal({ n: 1, pair: [1, "a", "extra"] }, SCHEMA)).toBeNull();
    const r = refusal({ n: 1, pair: ["a", "a"] }, SCHEMA);
    expect(r?.message).toBe("Validation failed for field 'pair.0'. Failure reason: must be integer");
    expect(r?.fields[0].path).toEqual(["parameters", "pair", "0"]);
  });

  test("enum and nested objects", () => {
    expect(refusal({ n: 1, color: "blue" }, SCHEMA)?.message).toBe(
      "Validation failed for field 'color'. Failure reason: must be equal to one of the allowed values",
    );
    const r = refusal({ n: 1, config: { retries: "x" } }, SCHEMA);
    expect(r?.message).toBe("Validation failed for field 'config.retries'. Failure reason: must be integer");
    expect(r?.fields[0].path).toEqual(["parameters", "config", "retries"]);
  });

  test("a problem with the whole value names no field", () => {
    const r = refusal([1], { type: "object" });
    expect(r?.message).toBe("Validation failed. Failure reason: must be object");
    expect(r?.fields[0].path).toEqual(["parameters"]);
  });

  test("a benign pattern still validates", () => {
    const schema = { type: "object", properties: { slug: { type: "string", pattern: "^[a-z]+$" } } };
    expect(refusal({ slug: "abc" }, schema)).toBeNull();
    expect(refusal({ slug: "ab1" }, schema)?.message).toBe(
      `Validation failed for field 'slug'. Failure reason: must match pattern "^[a-z]+$"`,
    );
  });

  test("common real-world patterns are not refused", () => {
    for (const p of [
      "^[a-z]+$",
      "^[a-z]+(-[a-z]+)*$",
      String.raw`^(\d{1,3}\.){3}\d{1,3}$`,
      String.raw`^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`,
      String.raw`^\d{4}-\d{2}-\d{2}$`,
      String.raw`^(?<y>\d{4})-(?<m>\d\d)$`,
      String.raw`^\p{L}+$`,
      "^(?:https?|ftp)://",
    ])
      expect([p, patternDanger(p)]).toEqual([p, null]);
  });

  test("recursive $ref schemas still work", () => {
    const schema = {
      type: "object",
      properties: { t: { $ref: "#/definitions/T" } },
      definitions: { T: { anyOf: [{ type: "integer" }, { type: "array", items: { $ref: "#/definitions/T" } }] } },
    };
    expect(refusal({ t: [1, [2, [3]]] }, schema)).toBeNull();
    expect(refusal({ t: [1, ["x"]] }, schema)?.fields[0].path.slice(0, 2)).toEqual(["parameters", "t"]);
  });
});

describe("hostile schemas are refused before Ajv compiles them", () => {
  const schemaRefusal = (parameters: unknown, schema: Schema) => {
    const { value, ms } = timed(() => refusal(parameters, schema));
    expect(value?.kind).toBe("invalid");
    expect(value?.message).toStartWith("Invalid parameter schema: ");
    expect(value?.fields[0].path[0]).toBe("parameter_openapi_schema");
    return { ...value, ms } as NonNullable<typeof value> & { ms: number };
  };

  test("a 4 MB schema, in well under a second", () => {
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++)
      properties[`p${i}`] = { type: "string", pattern: "^[a-z]+$", minLength: 1, format: "date-time" };
    const schema = { type: "object", properties };
    expect(JSON.stringify(schema).length).toBeGreaterThan(4_000_000);
    const before = validatorCache().size;
    const r = schemaRefusal({ p1: "x" }, schema);
    expect(r.fields[0].path).toEqual(["parameter_openapi_schema"]);
    expect(r.message).toContain(`more than the ${MAX_SCHEMA_BYTES} allowed`);
    expect(r.ms).toBeLessThan(2_000);
    expect(validatorCache().size).toBe(before);
  });

  test("too many objects, too wide, too deep", () => {
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 1_500; i++) wide[`p${i}`] = { type: "integer" };
    const r = schemaRefusal({}, { type: "object", properties: wide });
    expect(r.fields[0].path).toEqual(["parameter_openapi_schema", "properties"]);
    expect(r.ms).toBeLessThan(2_000);

    const many: Record<string, unknown> = {};
    for (let m = 0; m < 10; m++) {
      const fields: Record<string, unknown> = {};
      for (let i = 0; i < 300; i++) fields[`f${i}`] = { type: "integer" };
      many[`M${m}`] = { type: "object", properties: fields };
    }
    expect(schemaRefusal({}, { type: "object", definitions: many }).message).toContain("objects and arrays");

    let deep: Schema = { type: "integer" };
    for (let i = 0; i < 40; i++) deep = { type: "object", properties: { a: deep } };
    expect(schemaRefusal({}, deep).message).toContain("nests deeper than");
  });

  test("a ReDoS pattern, in well under a second, naming where it is", () => {
    const schema = {
      type: "object",
      properties: { x: { type: "array", items: { type: "string", pattern: String.raw`^(\w+\s?)*$` } } },
    };
    const r = schemaRefusal({ x: Array(1_000).fill(`${"a".repeat(40)}!`) }, schema);
    expect(r.fields[0].path).toEqual(["parameter_openapi_schema", "properties", "x", "items", "pattern"]);
    expect(r.message).toContain("$.properties.x.items.pattern");
    expect(r.message).toContain("exponential");
    expect(r.ms).toBeLessThan(2_000);
    // The same refusal without parameters, for a schema about to be stored.
    expect(() => checkParameterSchema(schema)).toThrow("$.properties.x.items.pattern");
    expect(() => checkParameterSchema(SCHEMA)).not.toThrow();
  });

  test("nested quantifiers, overlapping alternatives and backreferences", () => {
    for (const p of ["(a+)+", String.raw`^(\w+\s?)*$`, "(a|aa)+", "^(a|aa)+$", String.raw`^(a+)\1$`, "(?<x>a)\\k<x>"])
      expect([p, patternDanger(p)]).not.toEqual([p, null]);
  });

  test("patternProperties keys and propertyNames patterns are checked too", () => {
    const a = schemaRefusal({}, { type: "object", patternProperties: { "^(a+)+$": { type: "integer" } } });
    expect(a.fields[0].path).toEqual(["parameter_openapi_schema", "patternProperties", "^(a+)+$"]);
    const b = schemaRefusal({}, { type: "object", propertyNames: { pattern: "^(a|aa)+$" } });
    expect(b.fields[0].path).toEqual(["parameter_openapi_schema", "propertyNames", "pattern"]);
    // A default that looks like a schema is data: nothing in it is compiled.
    expect(refusal({}, { type: "object", properties: { d: { default: { pattern: "(a+)+" } } } })).toBeNull();
  });

  test("an invalid regular expression is a refusal of the schema", () => {
    const r = schemaRefusal({ s: "x" }, { type: "object", properties: { s: { type: "string", pattern: "(" } } });
    expect(r.fields[0].path).toEqual(["parameter_openapi_schema", "properties", "s", "pattern"]);
  });

  test("refused schemas are not cached; the cache stays bounded", () => {
    const before = validatorCache().size;
    for (let i = 0; i < 20; i++)
      refusal({}, { type: "object", title: `hostile ${i}`, properties: { x: { type: "string", pattern: "(a+)+" } } });
    expect(validatorCache().size).toBe(before);
    for (let i = 0; i < 300; i++)
      refusal({}, { type: "object", title: `t${i}`, properties: { n: { type: "integer" } } });
    expect(validatorCache().size).toBeLessThanOrEqual(256);
    expect(validatorCache().text).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});
