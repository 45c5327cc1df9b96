// The block schema checksum against the SDK's own Block._calculate_schema_checksum, on schemas chosen to
// hit where Python's json.dumps and JavaScript differ: non-ASCII and control characters, floats and
// exponents, key order, secret_fields at any depth, and definitions of blocks and of plain models
// (only the latter count). The built-in catalogue's checksums are checked in test/api/blocks.test.ts.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { blockSchemaChecksum, pythonJson } from "../../src/store/block-checksum.ts";

const ROOT = join(import.meta.dir, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");

const CASES: Record<string, Record<string, unknown>> = {
  unicode: { title: "Ünïcødé ✓ 🚀", description: 'tab\there\nnew \u0001 \u007f \u2028 "q" \\ /', type: "object" },
  numbers: { properties: { a: { default: 1.5 }, b: { default: -0.25 }, c: { default: 1e-7 }, d: { maximum: 100 } } },
  order: { z: 1, a: { y: [3, 2, 1], b: null, A: true }, _: false, "": "empty" },
  secrets: {
    title: "S",
    secret_fields: ["a", "b.*"],
    properties: { a: { type: "string", format: "password" }, b: { secret_fields: ["nested"] } },
    list: [{ secret_fields: ["kept inside a list"] }],
  },
  definitions: {
    title: "P",
    properties: { child: { $ref: "#/definitions/Child" }, opts: { $ref: "#/definitions/Opts" } },
    block_schema_references: { child: { block_type_slug: "child", block_schema_checksum: "sha256:x" } },
    definitions: {
      Child: { title: "Child", block_type_slug: "child", properties: { o: { $ref: "#/definitions/Inner" } } },
      Opts: { title: "Opts", properties: { i: { $ref: "#/definitions/Inner" } } },
      Inner: { title: "Inner", type: "object" },
      Unused: { title: "Unused" },
      Empty: {},
    },
  },
  onlyBlocks: {
    properties: { child: { $ref: "#/definitions/Child" } },
    definitions: { Child: { title: "Child", block_type_slug: "child" } },
  },
  emptyDefinitions: { title: "E", definitions: {} },
};

function sdkChecksums(): Record<string, string> {
  const script = `
import json, sys
from prefect.blocks.core import Block
cases = json.loads(sys.stdin.read())
print(json.dumps({k: Block._calculate_schema_checksum(v) for k, v in cases.items()}))
`;
  const run = Bun.spawnSync([PYTHON, "-c", script], { stdin: Buffer.from(JSON.stringify(CASES)), stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return JSON.parse(run.stdout.toString());
}

describe("block schema checksum", () => {
  test("equals the SDK's for every case", () => {
    const sdk = sdkChecksums();
    for (const [name, fields] of Object.entries(CASES))
      expect({ name, sum: blockSchemaChecksum(fields) }).toEqual({ name, sum: sdk[name] });
  }, 60_000);

  test("pythonJson spells values as Python's json.dumps(sort_keys=True) does", () => {
    expect(pythonJson({ b: [1, 2.5, null], a: "é" })).toBe('{"a": "\\u00e9", "b": [1, 2.5, null]}');
    expect(pythonJson([1e-7, 1e21, -0.5, 3])).toBe("[1e-07, 1e+21, -0.5, 3]");
    expect(pythonJson("😀")).toBe('"\\ud83d\\ude00"');
  });
});
