// The Blocks pages: saved block documents, the catalogue of block types (description and logo, the logo
// only from https: or an inline raster image), a block's page (its data with secrets masked, edit and
// delete) and the create/edit form generated from the block's schema.
import { ActionsCard, PostButton } from "../components/actions.tsx";
import { type BlockField, BlockForm } from "../components/block-form.tsx";
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Note } from "../components/note.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface BlockTypeRow {
  name: string;
  slug: string;
  description: string | null;
  logo_url: string | null;
  documentation_url: string | null;
  is_protected: boolean;
}

export interface BlockDocRow {
  id: string;
  name: string;
  created: string;
  block_type: { name: string; slug: string; logo_url: string | null } | null;
}

export const blockHref = (id: string) => `/blocks/${encodeURIComponent(id)}`;
const createHref = (slug: string) => `/blocks/catalog/${encodeURIComponent(slug)}/create`;

/** A logo URL shown only when it is https: or an inline PNG/JPEG/GIF/WebP image. */
export function safeLogo(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^https:\/\/[^\s"'<>]+$/i.test(url)) return url;
  if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/i.test(url)) return url;
  return null;
}

/** A documentation link shown only when it is https:. */
const safeLink = (url: string | null) => (url && /^https:\/\/[^\s"'<>]+$/i.test(url) ? url : null);

function Logo({ url, name }: { url: string | null | undefined; name: string }) {
  const src = safeLogo(url);
  // Decorative: the type's name is always written beside it, and a logo that fails to load shows nothing.
  return src ? <img class="block-logo" src={src} alt="" data-type={name} width="24" height="24" loading="lazy" /> : "";
}

/**
 * Prefect stores a registered type's description HTML-escaped (&lt;, &gt;, &amp;): undone here so the
 * page shows the characters, which the view escapes again.
 */
const unescaped = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The first paragraph of a description, short enough for a list. */
const short = (text: string | null) => {
  const first = unescaped(text ?? "")
    .split(/\n\s*\n/)[0]!
    .trim();
  return first.length > 200 ? `${first.slice(0, 199)}…` : first || null;
};

export function BlocksPage(p: {
  docs: BlockDocRow[];
  page: number;
  hasNext: boolean;
  notice?: string;
  csrfToken: string;
}) {
  return (
    <Layout title="Blocks" section="blocks" csrfToken={p.csrfToken}>
      <h1>Blocks</h1>
      <Flash notice={p.notice} />
      <p>
        <a href="/blocks/catalog">Add a block from the catalogue</a>
      </p>
      {p.docs.length ? (
        <Table class="blocks" columns={["Block", "Type", "Created"]}>
          {p.docs.map((d) => (
            <tr>
              <td>
                <a href={blockHref(d.id)} safe>
                  {d.name}
                </a>
              </td>
              <td>
                <Logo url={d.block_type?.logo_url} name={d.block_type?.name ?? ""} />{" "}
                <span safe>{d.block_type?.name ?? ""}</span>
              </td>
              <td>
                <Time ts={d.created} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty
          title="No blocks yet"
          hint="Add one from the catalogue, or save one with the SDK: Secret(value=…).save(…)."
        />
      )}
      <Pagination path="/blocks" query={{}} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}

export function BlockCatalogPage(p: { types: BlockTypeRow[]; csrfToken: string }) {
  return (
    <Layout title="Block catalogue" section="blocks" csrfToken={p.csrfToken}>
      <h1>Block catalogue</h1>
      <Table class="block-types" columns={["Block type", "Description", ""]}>
        {p.types.map((t) => (
          <tr>
            <td>
              <Logo url={t.logo_url} name={t.name} /> <span safe>{t.name}</span>
              <Note text={t.slug} class="small" />
            </td>
            <td>
              <Note text={short(t.description)} class="description" />
            </td>
            <td>
              <a href={createHref(t.slug)}>Create</a>
              {safeLink(t.documentation_url) ? (
                <>
                  {" · "}
                  <a href={safeLink(t.documentation_url)!} rel="noopener noreferrer">
                    Docs
                  </a>
                </>
              ) : (
                ""
              )}
            </td>
          </tr>
        ))}
      </Table>
    </Layout>
  );
}

export function BlockFormPage(p: {
  type: BlockTypeRow;
  action: string;
  fields: BlockField[];
  name?: { value: string; error?: string };
  error?: string;
  editing: boolean;
  csrfToken: string;
}) {
  const title = p.editing ? `Edit ${p.name?.value ?? "block"}` : `Create a ${p.type.name} block`;
  return (
    <Layout title={title} section="blocks" csrfToken={p.csrfToken}>
      <h1>
        <Logo url={p.type.logo_url} name={p.type.name} /> <span safe>{title}</span>
      </h1>
      <Note text={short(p.type.description)} class="description" />
      <BlockForm
        action={p.action}
        fields={p.fields}
        name={p.editing ? undefined : p.name}
        error={p.error}
        submit={p.editing ? "Save block" : "Create block"}
        editing={p.editing}
        csrfToken={p.csrfToken}
      />
    </Layout>
  );
}

export function BlockPage(p: {
  doc: BlockDocRow & { data: Record<string, unknown>; refs: Array<{ key: string; id: string; name: string }> };
  notice?: string;
  csrfToken: string;
}) {
  const slug = p.doc.block_type?.slug ?? "";
  return (
    <Layout title={p.doc.name} section="blocks" csrfToken={p.csrfToken}>
      <h1>
        <Logo url={p.doc.block_type?.logo_url} name={p.doc.block_type?.name ?? ""} /> <span safe>{p.doc.name}</span>
      </h1>
      <p class="muted">
        <span safe>{p.doc.block_type?.name ?? ""}</span> · <code safe>{`${slug}/${p.doc.name}`}</code>
      </p>
      <ActionsCard notice={p.notice}>
        <a href={`${blockHref(p.doc.id)}/edit`}>Edit</a>{" "}
        <PostButton
          action={`${blockHref(p.doc.id)}/delete`}
          confirm={`Delete block ${p.doc.name}? Flows that load it will fail.`}
          label="Delete block"
          danger
          csrfToken={p.csrfToken}
        />
      </ActionsCard>
      <section class="card" aria-labelledby="data-h">
        <h2 id="data-h">Data</h2>
        <pre class="block-data" safe>
          {JSON.stringify(p.doc.data, null, 2)}
        </pre>
        {p.doc.refs.length ? (
          <ul>
            {p.doc.refs.map((r) => (
              <li>
                <code safe>{r.key}</code>:{" "}
                <a href={blockHref(r.id)} safe>
                  {r.name}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          ""
        )}
      </section>
    </Layout>
  );
}
