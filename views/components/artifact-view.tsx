// An artifact's data as the dashboard shows it, by type: markdown (and links, which the SDK stores as
// markdown) through the sanitising renderer; a table (JSON text of a list of rows, a dict of columns or a
// list of lists) as a table; an image URL (http or https only) as an image; a progress number as a
// progress bar; anything else as its JSON. Every text is escaped; only the sanitiser's HTML is raw.
import { Markdown } from "./markdown.tsx";

export interface ArtifactFields {
  id: string;
  key: string | null;
  type: string | null;
  description: string | null;
  data: unknown;
  created: string;
  flow_run_id: string | null;
  task_run_id: string | null;
}

/** The hrefs of the artifact pages. */
export const artifactHref = (id: string) => `/artifacts/${id}`;
export const artifactKeyHref = (key: string) => `/artifacts/key/${encodeURIComponent(key)}`;

type Cell = string | number | boolean | null;
const cellText = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

/** A table artifact's rows under its columns; null when the data is no table. */
export function tableOf(data: unknown): { columns: string[] | null; rows: Cell[][] | string[][] } | null {
  let parsed: unknown = data;
  if (typeof data === "string") {
    try {
      parsed = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (Array.isArray(parsed)) {
    if (parsed.every((r) => Array.isArray(r))) return { columns: null, rows: parsed.map((r) => r.map(cellText)) };
    if (parsed.every((r) => r && typeof r === "object")) {
      const columns = [...new Set(parsed.flatMap((r) => Object.keys(r as object)))];
      return { columns, rows: parsed.map((r) => columns.map((c) => cellText((r as Record<string, unknown>)[c]))) };
    }
    return null;
  }
  if (parsed && typeof parsed === "object") {
    const cols = parsed as Record<string, unknown>;
    if (!Object.values(cols).every(Array.isArray)) return null;
    const columns = Object.keys(cols);
    const n = Math.max(0, ...Object.values(cols).map((v) => (v as unknown[]).length));
    return {
      columns,
      rows: Array.from({ length: n }, (_, i) => columns.map((c) => cellText((cols[c] as unknown[])[i]))),
    };
  }
  return null;
}

const isWebUrl = (s: unknown): s is string => typeof s === "string" && /^https?:\/\/[^\s]+$/i.test(s);

function DataTable({ columns, rows }: { columns: string[] | null; rows: string[][] | Cell[][] }) {
  return (
    <div class="table-wrap">
      <table class="artifact-table">
        {columns ? (
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" safe>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
        ) : (
          ""
        )}
        <tbody>
          {rows.map((r) => (
            <tr>
              {r.map((c) => (
                <td safe>{cellText(c)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Json({ value }: { value: unknown }) {
  return (
    <pre class="json" safe>
      {JSON.stringify(value, null, 2) ?? "null"}
    </pre>
  );
}

/** The most of an artifact a page renders: a flow may store megabytes, a page stays readable. */
export const MAX_MARKDOWN_CHARS = 200_000;
export const MAX_TABLE_ROWS = 1_000;

function Cut({ what }: { what: string }) {
  return (
    <p class="muted small" safe>
      {`Only the first ${what} are shown here; the API has the whole artifact.`}
    </p>
  );
}

/** The artifact's data, rendered for its type. */
export function ArtifactData({ artifact: a }: { artifact: Pick<ArtifactFields, "type" | "data"> }) {
  const type = (a.type ?? "").toLowerCase();
  if (type === "markdown" && typeof a.data === "string") {
    const cut = a.data.length > MAX_MARKDOWN_CHARS;
    return (
      <>
        <Markdown text={cut ? a.data.slice(0, MAX_MARKDOWN_CHARS) : a.data} class="artifact-markdown" />
        {cut ? <Cut what={`${MAX_MARKDOWN_CHARS} characters`} /> : ""}
      </>
    );
  }
  if (type === "table") {
    const table = tableOf(a.data);
    if (!table) return <Json value={a.data} />;
    const cut = table.rows.length > MAX_TABLE_ROWS;
    return (
      <>
        <DataTable columns={table.columns} rows={cut ? table.rows.slice(0, MAX_TABLE_ROWS) : table.rows} />
        {cut ? <Cut what={`${MAX_TABLE_ROWS} rows`} /> : ""}
      </>
    );
  }
  if (type === "image") {
    return isWebUrl(a.data) ? (
      <p>
        <img class="artifact-image" src={a.data} alt="The artifact" {...{ referrerpolicy: "no-referrer" }} />
      </p>
    ) : (
      <Json value={a.data} />
    );
  }
  if (type === "progress" && typeof a.data === "number" && Number.isFinite(a.data)) {
    const pct = Math.min(100, Math.max(0, a.data));
    return (
      <p class="artifact-progress">
        <progress max="100" value={String(pct)} aria-label="Progress" />{" "}
        <span safe>{`${Number(pct.toFixed(1))}%`}</span>
      </p>
    );
  }
  return <Json value={a.data} />;
}

/** A short text for a list row: what kind of artifact, and a glimpse of it. */
export function artifactSummary(a: Pick<ArtifactFields, "type" | "data">): string {
  if (a.type === "progress" && typeof a.data === "number") return `${Number(a.data.toFixed(1))}%`;
  const text = typeof a.data === "string" ? a.data : JSON.stringify(a.data ?? null);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
