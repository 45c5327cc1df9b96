// Dashboard pages about blocks: the saved documents, the catalogue of block types, a block's page, and
// the create and edit forms generated from the block's latest schema. Reads and writes go through the
// block stores; documents are read without secrets, so no stored secret ever reaches a page. A form
// with any bad field writes nothing and comes back with the problems by their fields (422).
import { Elysia, t } from "elysia";
import { BlockCatalogPage, BlockFormPage, BlockPage, BlocksPage, blockHref } from "../../views/pages/blocks.tsx";
import { AppError } from "../core/errors.ts";
import { checkBlockDocumentName } from "../schemas/blocks.ts";
import type { BlockDocumentJson, BlockSchemaJson, BlockTypeJson } from "../store/block-shapes.ts";
import { blockFields, type Choices, nestedSlugs, parseBlockForm } from "./block-fields.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));
const ALL = { limit: 1_000, offset: 0, sort: null };
const PAGE_SIZE = 50;
const CHOICES = { limit: 200, offset: 0, sort: null };

const nameOf = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const back = (to: string, notice: string) => Response.redirect(`${to}?notice=${encodeURIComponent(notice)}`, 303);

export function blockPages(deps: UiDeps) {
  const { stores, csrf } = deps;

  async function typeOf(slug: string): Promise<{ type: BlockTypeJson; schema: BlockSchemaJson }> {
    const type = await stores.blockTypes.getBySlug(nameOf(slug));
    if (!type) throw new AppError("not_found", `Block type "${nameOf(slug)}" not found.`);
    const [schema] = await stores.blockSchemas.filter(
      { block_schemas: { block_type_id: { any_: [type.id] } } },
      { limit: 1, offset: 0, sort: null },
    );
    if (!schema) throw new AppError("not_found", `Block type "${type.name}" has no schema.`);
    return { type, schema };
  }

  async function docOf(id: string): Promise<BlockDocumentJson> {
    const doc = isUuid(id) ? await stores.blockDocuments.get(id) : null;
    if (!doc) throw new AppError("not_found", "Block not found.");
    return doc;
  }

  /** The saved documents each nested block of `fields` may pick (never the one being edited). */
  async function choicesFor(fields: Record<string, unknown>, self?: string): Promise<Choices> {
    const out: Choices = new Map();
    for (const slug of new Set(nestedSlugs(fields).values())) {
      const docs = await stores.blockDocuments.filter({ block_types: { slug: { any_: [slug] } } }, CHOICES);
      out.set(
        slug,
        docs.filter((d) => d.id !== self).map((d) => ({ id: d.id, name: d.name })),
      );
    }
    return out;
  }

  const refIds = (doc: BlockDocumentJson) =>
    Object.fromEntries(Object.entries(doc.block_document_references).map(([k, r]) => [k, r.block_document.id]));

  return (
    new Elysia({ name: "ui.blocks" })
      .get("/blocks", async ({ query }) => {
        const page = pageNumber(query.page);
        const found = await stores.blockDocuments.filter(
          {},
          { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE, sort: null },
          false,
          "BLOCK_TYPE_AND_NAME_ASC",
        );
        return html(
          <BlocksPage
            docs={found.slice(0, PAGE_SIZE)}
            page={page}
            hasNext={found.length > PAGE_SIZE}
            notice={query.notice}
            csrfToken={csrf.token}
          />,
        );
      })
      .get("/blocks/catalog", async () =>
        html(<BlockCatalogPage types={await stores.blockTypes.filter({}, ALL)} csrfToken={csrf.token} />),
      )
      .get("/blocks/catalog/:slug/create", async ({ params }) => {
        const { type, schema } = await typeOf(params.slug);
        const fields = blockFields(schema.fields, {}, await choicesFor(schema.fields));
        return html(
          <BlockFormPage
            type={type}
            action={`/blocks/catalog/${encodeURIComponent(type.slug)}/create`}
            fields={fields}
            name={{ value: "" }}
            editing={false}
            csrfToken={csrf.token}
          />,
        );
      })
      .post(
        "/blocks/catalog/:slug/create",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const { type, schema } = await typeOf(params.slug);
          const form = (body ?? {}) as Record<string, unknown>;
          const name = typeof form.name === "string" ? form.name.trim() : "";
          const parsed = parseBlockForm(schema.fields, form, false);
          let nameError: string | undefined;
          try {
            checkBlockDocumentName(name, false);
          } catch (e) {
            nameError = (e as Error).message;
          }
          let error = parsed.errors._;
          if (!nameError && !Object.keys(parsed.errors).length) {
            try {
              const doc = await deps.blocks.createDocument({
                name,
                data: parsed.data,
                block_schema_id: schema.id,
                block_type_id: type.id,
                is_anonymous: false,
              });
              return back(blockHref(doc.id), `Block ${doc.name} created.`);
            } catch (e) {
              if (!(e instanceof AppError) || e.kind === "not_found") throw e;
              if (e.kind === "conflict") nameError = `A ${type.name} block named ${name} already exists.`;
              else error = e.message;
            }
          }
          const fields = blockFields(
            schema.fields,
            parsed.posted,
            await choicesFor(schema.fields),
            parsed.refs,
            parsed.errors,
          );
          return html(
            <BlockFormPage
              type={type}
              action={`/blocks/catalog/${encodeURIComponent(type.slug)}/create`}
              fields={fields}
              name={{ value: name, error: nameError }}
              error={error}
              editing={false}
              csrfToken={csrf.token}
            />,
            422,
          );
        },
        { body: Form },
      )
      // The SDK links to a block as Prefect's UI addresses it (prefect/utilities/urls.py).
      .get("/blocks/block/:id", ({ params }) => Response.redirect(blockHref(params.id), 302))
      .get("/blocks/:id", async ({ params, query }) => {
        const doc = await docOf(params.id);
        const refs = Object.entries(doc.block_document_references).map(([key, r]) => ({
          key,
          id: r.block_document.id,
          name: r.block_document.name,
        }));
        return html(<BlockPage doc={{ ...doc, refs }} notice={query.notice} csrfToken={csrf.token} />);
      })
      .get("/blocks/:id/edit", async ({ params }) => {
        const doc = await docOf(params.id);
        const fields = doc.block_schema?.fields ?? {};
        return html(
          <BlockFormPage
            type={doc.block_type!}
            action={`${blockHref(doc.id)}/edit`}
            fields={blockFields(fields, doc.data, await choicesFor(fields, doc.id), refIds(doc))}
            name={{ value: doc.name }}
            editing={true}
            csrfToken={csrf.token}
          />,
        );
      })
      .post(
        "/blocks/:id/edit",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const doc = await docOf(params.id);
          const fields = doc.block_schema?.fields ?? {};
          const parsed = parseBlockForm(fields, (body ?? {}) as Record<string, unknown>, true);
          let error = parsed.errors._;
          if (!Object.keys(parsed.errors).length) {
            try {
              await deps.blocks.updateDocument(
                doc.id,
                { block_schema_id: null, data: parsed.data, merge_existing_data: false },
                true,
              );
              return back(blockHref(doc.id), "Block saved.");
            } catch (e) {
              if (!(e instanceof AppError) || e.kind === "not_found") throw e;
              error = e.message;
            }
          }
          return html(
            <BlockFormPage
              type={doc.block_type!}
              action={`${blockHref(doc.id)}/edit`}
              fields={blockFields(fields, parsed.posted, await choicesFor(fields, doc.id), parsed.refs, parsed.errors)}
              name={{ value: doc.name }}
              error={error}
              editing={true}
              csrfToken={csrf.token}
            />,
            422,
          );
        },
        { body: Form },
      )
      .post(
        "/blocks/:id/delete",
        async ({ params, body, request }) => {
          csrf.check(request, body);
          const doc = await docOf(params.id);
          await deps.blocks.deleteDocument(doc.id);
          return back("/blocks", `Block ${doc.name} deleted.`);
        },
        { body: Form },
      )
  );
}
