// The block stores over one driver on SQLite and PostgreSQL: the catalogue brought up to date when an
// entry changes, a document moved to another schema of its type (and refused one of another type), a
// secret dict's masked keys restored one by one, references kept or replaced as the data says, and a
// failed write leaving nothing behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDriver } from "../../src/db/driver.ts";
import { migrateToHead } from "../../src/db/migrator.ts";
import { type DbHandle, openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { blockDocumentsStore } from "../../src/store/block-documents.ts";
import { BLOCK_CATALOG, registerBuiltInBlocks } from "../../src/store/block-registration.ts";
import { blockSchemasStore } from "../../src/store/block-schemas.ts";
import { blockTypesStore } from "../../src/store/block-types.ts";
import { DIALECTS } from "../support/databases.ts";

const SECRET = "store-secret-value";

describe.each(DIALECTS)("block stores on $name", ({ name: dialect, url }) => {
  let db: DbHandle;
  let dbUrl: string;
  let stores: {
    types: ReturnType<typeof blockTypesStore>;
    schemas: ReturnType<typeof blockSchemasStore>;
    docs: ReturnType<typeof blockDocumentsStore>;
    driver: ReturnType<typeof createDriver>;
  };

  beforeAll(async () => {
    dbUrl = await url();
    db = await openDatabase(parseDatabaseUrl(dbUrl));
    await migrateToHead(db);
    const driver = createDriver(db);
    stores = {
      driver,
      types: blockTypesStore(driver),
      schemas: blockSchemasStore(driver),
      docs: blockDocumentsStore(driver),
    };
  });
  afterAll(() => db.close());

  const typeWithSchemas = async (slug: string) => {
    const type = await stores.types.create({
      name: slug,
      slug,
      logo_url: null,
      documentation_url: null,
      description: null,
      code_example: null,
      is_protected: false,
    });
    const fields = (v: number) => ({
      title: slug,
      properties: { headers: { type: "object" }, n: { type: "integer", default: v } },
      secret_fields: ["headers.*"],
    });
    const mk = async (v: number) =>
      (await stores.schemas.create({
        fields: fields(v),
        block_type_id: type.id,
        capabilities: [],
        version: String(v),
      }))!.schema;
    return { type, v1: await mk(1), v2: await mk(2) };
  };

  test("registration makes the catalogue once and brings a changed entry up to date", async () => {
    const first = await registerBuiltInBlocks(stores.driver);
    expect(first.created).toHaveLength(BLOCK_CATALOG.length);
    expect((await registerBuiltInBlocks(stores.driver)).created).toHaveLength(0);
    const changed = BLOCK_CATALOG.map((e) =>
      e.block_type.slug === "secret" ? { ...e, block_type: { ...e.block_type, documentation_url: "https://x" } } : e,
    );
    const again = await registerBuiltInBlocks(stores.driver, changed);
    expect(again.updated.map((t) => t.slug)).toEqual(["secret"]);
    expect((await stores.types.getBySlug("secret"))!.documentation_url).toBe("https://x");
    await registerBuiltInBlocks(stores.driver);
    expect((await stores.types.getBySlug("secret"))!.documentation_url).not.toBe("https://x");
  });

  test("a document moves to another schema of its type, never to one of another type", async () => {
    const a = await typeWithSchemas("store-a");
    const b = await typeWithSchemas("store-b");
    const doc = await stores.docs.create({
      name: "movable",
      data: { n: 1 },
      block_schema_id: a.v1.id,
      block_type_id: a.type.id,
      is_anonymous: false,
    });
    expect(
      await stores.docs.update(doc.id, { block_schema_id: a.v2.id, data: { n: 2 }, merge_existing_data: true }, true),
    ).toBe(true);
    expect((await stores.docs.get(doc.id))!.block_schema_id).toBe(a.v2.id);
    await expect(
      stores.docs.update(doc.id, { block_schema_id: b.v1.id, data: { n: 3 }, merge_existing_data: true }, true),
    ).rejects.toThrow("same block type");
    const after = (await stores.docs.get(doc.id, true))!;
    expect(after.block_schema_id).toBe(a.v2.id);
    expect(after.data).toEqual({ n: 2 });
  });

  test("a secret dict is masked key by key, and masked keys sent back keep their values", async () => {
    const c = await typeWithSchemas("store-c");
    const doc = await stores.docs.create({
      name: "headers",
      data: { headers: { Authorization: SECRET, "X-Other": `${SECRET}-2` }, n: 1 },
      block_schema_id: c.v1.id,
      block_type_id: c.type.id,
      is_anonymous: false,
    });
    expect(doc.data).toEqual({ headers: { Authorization: "********", "X-Other": "********" }, n: 1 });
    await stores.docs.update(
      doc.id,
      {
        block_schema_id: null,
        data: { headers: { Authorization: "********", "X-Other": "new" } },
        merge_existing_data: true,
      },
      true,
    );
    expect((await stores.docs.get(doc.id, true))!.data).toEqual({
      headers: { Authorization: SECRET, "X-Other": "new" },
      n: 1,
    });
  });

  test("references follow the data: kept, replaced, or dropped when a replace leaves them out", async () => {
    const d = await typeWithSchemas("store-d");
    const mk = (name: string, data: Record<string, unknown>) =>
      stores.docs.create({ name, data, block_schema_id: d.v1.id, block_type_id: d.type.id, is_anonymous: false });
    const one = await mk("one", { n: 1 });
    const two = await mk("two", { n: 2 });
    const parent = await mk("parent", { pick: { $ref: { block_document_id: one.id } } });
    const ref = (id: string) => ({ $ref: { block_document_id: id } });
    await stores.docs.update(
      parent.id,
      { block_schema_id: null, data: { pick: ref(two.id) }, merge_existing_data: true },
      true,
    );
    let read = (await stores.docs.get(parent.id))!;
    expect(read.block_document_references.pick!.block_document.id).toBe(two.id);
    expect(read.data.pick).toEqual({ n: 2 });
    await stores.docs.update(parent.id, { block_schema_id: null, data: { n: 9 }, merge_existing_data: false }, true);
    read = (await stores.docs.get(parent.id))!;
    expect(read.block_document_references).toEqual({});
    expect(read.data).toEqual({ n: 9 });
    // A reference to nothing writes nothing.
    await expect(mk("dangling", { pick: ref(crypto.randomUUID()) })).rejects.toThrow("not found");
    expect(await stores.docs.count({ block_documents: { name: { any_: ["dangling"] } } })).toBe(0);
  });

  test("two servers registering the catalogue at once both succeed, with one copy of each type", async () => {
    if (dialect !== "pg") return; // a SQLite file has one writer: nothing to race
    const other = await openDatabase(parseDatabaseUrl(dbUrl));
    try {
      // A clean slate, so both registrations have everything to make.
      if (db.dialect === "pg") await db.sql`DELETE FROM block_type`;
      const [a, b] = await Promise.all([
        registerBuiltInBlocks(stores.driver),
        registerBuiltInBlocks(createDriver(other)),
      ]);
      expect(a.created.length + b.created.length).toBe(BLOCK_CATALOG.length);
      const types = await stores.types.filter({}, { limit: 1000, offset: 0, sort: null });
      expect(types.map((t) => t.slug).sort()).toEqual(BLOCK_CATALOG.map((e) => e.block_type.slug).sort());
      const schemas = await stores.schemas.filter({}, { limit: 1000, offset: 0, sort: null });
      expect(new Set(schemas.map((x) => x.checksum)).size).toBe(schemas.length);
    } finally {
      await other.close();
    }
  });
});
