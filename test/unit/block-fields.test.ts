// The block form generated from a schema (src/ui/block-fields.ts): every built-in type's form renders
// and parses; values come back typed; secrets are never filled in and, left empty on edit, are sent as
// the mask the store keeps the stored value for; nested blocks become references; bad values are
// refused by field.
import { describe, expect, test } from "bun:test";
import { BLOCK_CATALOG } from "../../src/store/block-registration.ts";
import { blockFields, parseBlockForm } from "../../src/ui/block-fields.ts";

const schemaOf = (slug: string) => BLOCK_CATALOG.find((e) => e.block_type.slug === slug)!.block_schema.fields;

const HOLDER = {
  title: "Holder",
  properties: {
    secret: { $ref: "#/definitions/Secret", position: 0 },
    count: { type: "integer", title: "Count", position: 1 },
    ratio: { type: "number", position: 2 },
    tags: { type: "array", items: { type: "string" }, position: 3 },
    on: { type: "boolean", default: true, position: 4 },
    token: { type: "string", format: "password", writeOnly: true, position: 5 },
  },
  required: ["secret", "count"],
  secret_fields: ["token"],
  block_schema_references: { secret: { block_type_slug: "secret", block_schema_checksum: "sha256:x" } },
  definitions: { Secret: { title: "Secret", block_type_slug: "secret", properties: {} } },
};

describe("block form", () => {
  test("every built-in type's form renders and parses an empty form into field errors, never a throw", () => {
    for (const e of BLOCK_CATALOG) {
      const fields = blockFields(e.block_schema.fields, {}, new Map());
      expect(fields.length).toBeGreaterThan(0);
      const { errors } = parseBlockForm(e.block_schema.fields, {}, false);
      const required = (e.block_schema.fields.required as string[] | undefined) ?? [];
      for (const key of required) expect(errors[key]).toBeDefined();
    }
  });

  test("a Slack webhook: the URL is a password field, and a filled form is its data", () => {
    const fields = blockFields(schemaOf("slack-webhook"), { url: "********" }, new Map());
    const url = fields.find((f) => f.key === "url")!;
    expect(url.kind).toBe("secret");
    expect(url.value).toBe("");
    const parsed = parseBlockForm(schemaOf("slack-webhook"), { "f.url": "https://hooks.slack.com/x" }, false);
    expect(parsed.errors).toEqual({});
    expect(parsed.data).toMatchObject({ url: "https://hooks.slack.com/x", allow_private_urls: false });
  });

  test("typed values, nested references, kept secrets and refusals", () => {
    const choices = new Map([["secret", [{ id: "0193f4a8-0000-7000-8000-000000000001", name: "one" }]]]);
    const fields = blockFields(HOLDER, {}, choices);
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ["secret", "block"],
      ["count", "integer"],
      ["ratio", "number"],
      ["tags", "json"],
      ["on", "boolean"],
      ["token", "secret"],
    ]);
    expect(fields[4]!.value).toBe("on");
    const ok = parseBlockForm(
      HOLDER,
      { "f.secret": "0193f4a8-0000-7000-8000-000000000001", "f.count": "3", "f.ratio": "0.5", "f.tags": '["a"]' },
      true,
    );
    expect(ok.errors).toEqual({});
    expect(ok.data).toEqual({
      secret: { $ref: { block_document_id: "0193f4a8-0000-7000-8000-000000000001" } },
      count: 3,
      ratio: 0.5,
      tags: ["a"],
      on: false,
      token: "********",
    });
    const bad = parseBlockForm(HOLDER, { "f.count": "three", "f.ratio": "x", "f.tags": "[oops" }, false);
    expect(Object.keys(bad.errors).sort()).toEqual(["count", "ratio", "secret", "tags"]);
    const wrongType = parseBlockForm(
      HOLDER,
      { "f.secret": "0193f4a8-0000-7000-8000-000000000001", "f.count": "1", "f.tags": '{"a": 1}' },
      false,
    );
    expect(wrongType.errors.tags).toBeDefined();
  });
});
