// /api/block_types, /api/block_schemas, /api/block_documents and /api/block_capabilities through
// app.handle on every dialect: the built-in catalogue, Prefect's refusals (reserved and protected
// types, taken names, bad names), checksum identity, nested schemas, documents with references resolved
// on read, secret masking at any depth and Prefect's merge and masked-secret rules on update.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { BLOCK_CATALOG } from "../../src/store/block-registration.ts";
import { blockSchemaChecksum } from "../../src/store/block-checksum.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

type J = Record<string, any>;

const SECRET = "s3cr3t-value-for-tests";

const ROOT = join(import.meta.dir, "..", "..");

describe("block catalogue", () => {
  test("src/store/block-catalog.json is what build/block-catalog.py makes of the pinned SDK", () => {
    const out = join(tmpdir(), `block-catalog-${process.pid}.json`);
    const run = Bun.spawnSync([join(ROOT, ".venv", "bin", "python"), join(ROOT, "build", "block-catalog.py"), out], {
      cwd: ROOT,
      stderr: "pipe",
    });
    if (run.exitCode !== 0) throw new Error(`build/block-catalog.py failed: ${run.stderr.toString()}`);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(join(ROOT, "src", "store", "block-catalog.json"), "utf8"));
  }, 60_000);

  test("every built-in schema's checksum is the one the SDK computed", () => {
    expect(BLOCK_CATALOG.length).toBeGreaterThanOrEqual(14);
    for (const e of BLOCK_CATALOG) expect(blockSchemaChecksum(e.block_schema.fields)).toBe(e.block_schema.checksum);
    const slugs = BLOCK_CATALOG.map((e) => e.block_type.slug);
    for (const s of ["secret", "webhook", "local-file-system", "remote-file-system", "slack-webhook", "sendgrid-email"])
      expect(slugs).toContain(s);
    // prefect-lite's own: SMTP email a notification can be sent through (build/lite_blocks.py).
    const smtp = BLOCK_CATALOG.find((e) => e.block_type.slug === "smtp-email")!;
    expect(smtp.block_schema.capabilities).toEqual(["notify"]);
    expect(smtp.block_schema.fields.secret_fields).toEqual(["password"]);
    expect(Object.keys(smtp.block_schema.fields.properties as object).sort()).toEqual([
      "email_from",
      "email_to",
      "password",
      "smtp_port",
      "smtp_server",
      "smtp_type",
      "username",
      "verify",
    ]);
    expect(
      BLOCK_CATALOG.filter((e) => e.block_type.is_protected)
        .map((e) => e.block_type.slug)
        .sort(),
    ).toEqual(["local-file-system", "secret", "webhook"]);
  });
});

describe.each(DIALECTS)("blocks API on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any, text };
  };
  const post = (path: string, json?: unknown) => call("POST", path, json ?? {});

  /** A custom type with a schema whose fields mark a secret and a secret dict. */
  const custom = async (slug: string, fields: J = {}) => {
    const type = await post("/api/block_types/", { name: `T ${slug}`, slug, description: "a <b>test</b> type" });
    expect(type.status).toBe(201);
    const schema = await post("/api/block_schemas/", {
      block_type_id: type.body.id,
      fields: {
        title: slug,
        type: "object",
        properties: {
          token: { type: "string", format: "password" },
          headers: { type: "object" },
          n: { type: "integer" },
        },
        secret_fields: ["token", "headers.*"],
        block_schema_references: {},
        ...fields,
      },
      capabilities: ["test-cap"],
    });
    expect(schema.status).toBe(201);
    return { type: type.body as J, schema: schema.body as J };
  };

  const events: ReceivedEvent[] = [];

  beforeAll(async () => {
    t = await testApp({}, await url());
    t.app.bus.subscribe((es) => events.push(...es));
    expect(await t.app.blocks.registerBuiltIns()).toBe(BLOCK_CATALOG.length);
  });
  afterAll(() => t.close());

  test("the built-in types are there at start, protected where Prefect protects them", async () => {
    const types = (await post("/api/block_types/filter")).body as J[];
    expect(types.length).toBe(BLOCK_CATALOG.length);
    const secret = (await call("GET", "/api/block_types/slug/secret")).body;
    expect(secret).toMatchObject({ name: "Secret", slug: "secret", is_protected: true });
    expect((await call("GET", `/api/block_types/${secret.id}`)).body).toEqual(secret);
    expect((await call("DELETE", `/api/block_types/${secret.id}`)).status).toBe(403);
    const schemas = (
      await post("/api/block_schemas/filter", { block_schemas: { block_type_id: { any_: [secret.id] } } })
    ).body as J[];
    expect(schemas).toHaveLength(1);
    expect(schemas[0].block_type.slug).toBe("secret");
    expect((await call("DELETE", `/api/block_schemas/${schemas[0].id}`)).status).toBe(403);
    const caps = (await call("GET", "/api/block_capabilities/")).body as string[];
    expect(caps).toEqual(expect.arrayContaining(["notify", "read-path", "write-path"]));
    // Registering again changes nothing.
    expect(await t.app.blocks.registerBuiltIns()).toBe(0);
    expect(((await post("/api/block_types/filter")).body as J[]).length).toBe(BLOCK_CATALOG.length);
    const notify = (
      await post("/api/block_types/filter", { block_schemas: { block_capabilities: { all_: ["notify"] } } })
    ).body as J[];
    expect(notify.map((x) => x.slug)).toContain("slack-webhook");
    expect(notify.map((x) => x.slug)).not.toContain("secret");
  });

  test("type refusals: reserved names, taken slugs, bad slugs", async () => {
    expect((await post("/api/block_types/", { name: "Prefect thing", slug: "prefect-thing" })).status).toBe(403);
    expect((await post("/api/block_types/", { name: "Dup", slug: "dup" })).status).toBe(201);
    const again = await post("/api/block_types/", { name: "Dup again", slug: "dup" });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('Block type with name "Dup again" already exists');
    // Names may repeat (only the slug is unique, as in Prefect).
    expect((await post("/api/block_types/", { name: "Dup", slug: "dup-2" })).status).toBe(201);
    expect((await post("/api/block_types/", { name: "Bad", slug: "Not A Slug" })).status).toBe(422);
    expect((await post("/api/block_types/", { name: "a/b", slug: "ab" })).status).toBe(422);
    expect((await post("/api/block_types/", { slug: "x" })).status).toBe(422);
    const dup = (await call("GET", "/api/block_types/slug/dup")).body;
    expect((await call("PATCH", `/api/block_types/${dup.id}`, { description: "new" })).status).toBe(204);
    expect((await call("GET", "/api/block_types/slug/dup")).body.description).toBe("new");
    expect((await call("DELETE", `/api/block_types/${dup.id}`)).status).toBe(204);
    expect((await call("GET", "/api/block_types/slug/dup")).status).toBe(404);
  });

  test("schemas: checksum identity, 200 for an existing one, versions, lookup by checksum", async () => {
    const { type, schema } = await custom("ident");
    expect(schema.checksum).toBe(blockSchemaChecksum(schema.fields));
    const same = await post("/api/block_schemas/", { block_type_id: type.id, fields: schema.fields, capabilities: [] });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(schema.id);
    const v2 = await post("/api/block_schemas/", { block_type_id: type.id, fields: schema.fields, version: "2" });
    expect(v2.status).toBe(201);
    const byChecksum = await call("GET", `/api/block_schemas/checksum/${schema.checksum}`);
    expect(byChecksum.body.id).toBe(v2.body.id);
    const v1 = await call("GET", `/api/block_schemas/checksum/${schema.checksum}?version=non-versioned`);
    expect(v1.body.id).toBe(schema.id);
    expect((await call("GET", "/api/block_schemas/checksum/sha256:nope")).status).toBe(404);
    const missingType = await post("/api/block_schemas/", { block_type_id: crypto.randomUUID(), fields: {} });
    expect(missingType.status).toBe(404);
    expect((await call("DELETE", `/api/block_schemas/${v2.body.id}`)).status).toBe(204);
    expect((await call("GET", `/api/block_schemas/${v2.body.id}`)).status).toBe(404);
  });

  test("a nested block's schema is registered with its parent; a missing nested type is a 409", async () => {
    const child = { title: "Child", type: "object", properties: { x: { type: "string" } }, block_type_slug: "child" };
    const childChecksum = blockSchemaChecksum(child);
    const parentFields = {
      title: "Parent",
      type: "object",
      properties: { c: { $ref: "#/definitions/Child" } },
      block_schema_references: { c: { block_type_slug: "child", block_schema_checksum: childChecksum } },
      definitions: { Child: child },
    };
    const parentType = (await post("/api/block_types/", { name: "Parent", slug: "parent" })).body;
    const missing = await post("/api/block_schemas/", { block_type_id: parentType.id, fields: parentFields });
    expect(missing.status).toBe(409);
    expect(missing.body.detail).toContain("'child' was not found");
    await post("/api/block_types/", { name: "Child", slug: "child" });
    const made = await post("/api/block_schemas/", { block_type_id: parentType.id, fields: parentFields });
    expect(made.status).toBe(201);
    const nested = await call("GET", `/api/block_schemas/checksum/${childChecksum}`);
    expect(nested.status).toBe(200);
    expect(nested.body.block_type.slug).toBe("child");
  });

  test("documents: create, read by id and name, filter, count; taken names and bad names refused", async () => {
    const { type, schema } = await custom("docs");
    const make = (name: string | null, data: J, extra: J = {}) =>
      post("/api/block_documents/", { name, data, block_type_id: type.id, block_schema_id: schema.id, ...extra });
    const a = await make("alpha", { token: SECRET, n: 1 });
    expect(a.status).toBe(201);
    expect(a.text).not.toContain(SECRET);
    expect(a.body).toMatchObject({
      name: "alpha",
      data: { token: "********", n: 1 },
      block_type_name: "T docs",
      is_anonymous: false,
      block_type: { slug: "docs" },
      block_schema: { id: schema.id },
      block_document_references: {},
    });
    expect((await make("alpha", {})).status).toBe(409);
    expect((await make("Not Valid", {})).status).toBe(422);
    expect((await make(null, {})).status).toBe(422);
    const anon = await make(null, { n: 2 }, { is_anonymous: true });
    expect(anon.status).toBe(201);
    expect(anon.body.name).toMatch(/^anonymous-/);

    const byId = await call("GET", `/api/block_documents/${a.body.id}`);
    expect(byId.body).toEqual(a.body);
    const secrets = await call("GET", `/api/block_documents/${a.body.id}?include_secrets=true`);
    expect(secrets.body.data.token).toBe(SECRET);
    const byName = await call("GET", "/api/block_types/slug/docs/block_documents/name/alpha?include_secrets=false");
    expect(byName.body.id).toBe(a.body.id);
    expect((await call("GET", `/api/block_types/slug/docs/block_documents/name/${anon.body.name}`)).status).toBe(200);
    expect((await call("GET", "/api/block_types/slug/docs/block_documents/name/nope")).status).toBe(404);
    const ofType = (await call("GET", "/api/block_types/slug/docs/block_documents")).body as J[];
    expect(ofType.map((x) => x.name)).toEqual(["alpha"]);

    const filter = (b: J) => post("/api/block_documents/filter", b);
    const mine = { block_types: { slug: { any_: ["docs"] } } };
    expect(((await filter(mine)).body as J[]).map((x) => x.name)).toEqual(["alpha"]);
    const all = (await filter({ ...mine, block_documents: { is_anonymous: null } })).body as J[];
    expect(all).toHaveLength(2);
    expect((await filter({ ...mine, include_secrets: true })).body[0].data.token).toBe(SECRET);
    expect((await filter({ ...mine })).text).not.toContain(SECRET);
    expect((await post("/api/block_documents/count", mine)).body).toBe(1);
    expect((await filter({ sort: "NOPE" })).status).toBe(422);
    expect((await call("GET", `/api/block_documents/${a.body.id}?include_secrets=maybe`)).status).toBe(422);
  });

  test("secrets at any depth are masked; sending the mask back keeps them; merge semantics", async () => {
    const { type, schema } = await custom("secrets");
    const doc = (
      await post("/api/block_documents/", {
        name: "deep",
        data: { token: SECRET, headers: { Authorization: `Bearer ${SECRET}`, nested: { k: SECRET } }, n: 1 },
        block_type_id: type.id,
        block_schema_id: schema.id,
      })
    ).body;
    expect(JSON.stringify(doc)).not.toContain(SECRET);
    expect(doc.data.headers).toEqual({ Authorization: "********", nested: "********" });
    // The form sends everything back, masks included: stored secrets stay.
    const back = await call("PATCH", `/api/block_documents/${doc.id}`, {
      data: { ...doc.data, n: 2 },
      merge_existing_data: false,
    });
    expect(back.status).toBe(204);
    const stored = (await call("GET", `/api/block_documents/${doc.id}?include_secrets=true`)).body;
    expect(stored.data).toEqual({
      token: SECRET,
      headers: { Authorization: `Bearer ${SECRET}`, nested: { k: SECRET } },
      n: 2,
    });
    // Merge keeps what is not sent.
    await call("PATCH", `/api/block_documents/${doc.id}`, { data: { n: 3 } });
    expect((await call("GET", `/api/block_documents/${doc.id}?include_secrets=true`)).body.data.token).toBe(SECRET);
    // Replace drops it.
    await call("PATCH", `/api/block_documents/${doc.id}`, { data: { n: 4 }, merge_existing_data: false });
    expect((await call("GET", `/api/block_documents/${doc.id}?include_secrets=true`)).body.data).toEqual({ n: 4 });
    expect((await call("PATCH", `/api/block_documents/${crypto.randomUUID()}`, { data: {} })).status).toBe(404);
  });

  test("references resolve on read, nested secrets stay masked, cycles are refused, delete cascades", async () => {
    const { type, schema } = await custom("refs");
    const make = async (name: string, data: J) =>
      (await post("/api/block_documents/", { name, data, block_type_id: type.id, block_schema_id: schema.id })).body;
    const leaf = await make("leaf", { token: SECRET, n: 1 });
    const mid = await make("mid", { n: 2, inner: { $ref: { block_document_id: leaf.id } } });
    const top = await make("top", { n: 3, child: { $ref: { block_document_id: mid.id } } });
    const read = (await call("GET", `/api/block_documents/${top.id}`)).body;
    expect(read.data).toEqual({ n: 3, child: { n: 2, inner: { token: "********", n: 1 } } });
    expect(read.block_document_references.child.block_document).toMatchObject({
      id: mid.id,
      name: "mid",
      is_anonymous: false,
      block_type: { slug: "refs" },
    });
    expect(read.block_document_references.child.block_document.block_document_references.inner.block_document.id).toBe(
      leaf.id,
    );
    const withSecrets = (await call("GET", `/api/block_documents/${top.id}?include_secrets=true`)).body;
    expect(withSecrets.data.child.inner.token).toBe(SECRET);
    // leaf → top would close a loop.
    const cycle = await call("PATCH", `/api/block_documents/${leaf.id}`, {
      data: { back: { $ref: { block_document_id: top.id } } },
    });
    expect(cycle.status).toBe(400);
    expect((await call("GET", `/api/block_documents/${leaf.id}?include_secrets=true`)).body.data).toEqual({
      token: SECRET,
      n: 1,
    });
    const noId = await post("/api/block_documents/", {
      name: "broken",
      data: { x: { $ref: {} } },
      block_type_id: type.id,
      block_schema_id: schema.id,
    });
    expect(noId.status).toBe(400);
    // An id that is not a UUID is the client's mistake on both databases (PostgreSQL's uuid column
    // would otherwise refuse it with a 500).
    const notUuid = await post("/api/block_documents/", {
      name: "broken",
      data: { x: { $ref: { block_document_id: "not-a-uuid" } } },
      block_type_id: type.id,
      block_schema_id: schema.id,
    });
    expect(notUuid.status).toBe(422);
    expect((await call("GET", "/api/block_types/slug/refs/block_documents/name/broken")).status).toBe(404);
    expect((await call("DELETE", `/api/block_documents/${mid.id}`)).status).toBe(204);
    expect((await call("GET", `/api/block_documents/${top.id}`)).body.data).toEqual({ n: 3 });
    expect((await call("DELETE", `/api/block_documents/${mid.id}`)).status).toBe(404);
  });

  test("block type and document events, never for anonymous documents and never with a secret", async () => {
    // The catalogue's types were announced when the server registered them.
    const builtIn = events.filter((e) => e.event === "prefect.block-type.created").slice(0, BLOCK_CATALOG.length);
    expect(builtIn.map((e) => e.resource["prefect.resource.name"])).toContain("Secret");
    const { type, schema } = await custom("evented");
    const made = (
      await post("/api/block_documents/", {
        name: "ev",
        data: { token: SECRET, n: 1, label: "shown" },
        block_type_id: type.id,
        block_schema_id: schema.id,
      })
    ).body;
    await post("/api/block_documents/", {
      data: { n: 2 },
      is_anonymous: true,
      block_type_id: type.id,
      block_schema_id: schema.id,
    });
    await call("PATCH", `/api/block_documents/${made.id}`, { data: { n: 5 } });
    await call("PATCH", `/api/block_types/${type.id}`, { description: "changed" });
    await call("DELETE", `/api/block_documents/${made.id}`);
    const mine = events.filter((e) => e.resource["prefect.resource.id"] === `prefect.block-document.${made.id}`);
    expect(mine.map((e) => e.event)).toEqual([
      "prefect.block-document.created",
      "prefect.block-document.updated",
      "prefect.block-document.deleted",
    ]);
    expect(mine[0]!.payload).toEqual({
      name: "ev",
      data: { label: "shown" },
      block_schema: { capabilities: ["test-cap"], block_type: { id: type.id, name: "T evented" } },
    });
    expect(mine[0]!.related.map((r) => r["prefect.resource.role"])).toEqual(["block-type", "block-schema"]);
    const docEvents = events.filter((e) => e.event.startsWith("prefect.block-document."));
    expect(docEvents.every((e) => e.resource["prefect.resource.name"] !== undefined)).toBe(true);
    expect(docEvents.some((e) => String(e.resource["prefect.resource.name"]).startsWith("anonymous-"))).toBe(false);
    const typeEvents = events.filter((e) => e.resource["prefect.resource.id"] === `prefect.block-type.${type.id}`);
    expect(typeEvents.map((e) => e.event)).toEqual(["prefect.block-type.created", "prefect.block-type.updated"]);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });
});
