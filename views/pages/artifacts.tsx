// The artifacts list: the latest artifact of each key (Prefect's artifact collections), searchable by
// key, newest first. Artifacts made without a key appear on their runs' pages only, as in Prefect.
import { artifactKeyHref, artifactSummary, type ArtifactFields } from "../components/artifact-view.tsx";
import { Empty } from "../components/empty.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface ArtifactKeyRow extends ArtifactFields {
  key: string;
  updated: string;
}

export function ArtifactsPage(p: {
  rows: ArtifactKeyRow[];
  q: string;
  page: number;
  hasNext: boolean;
  csrfToken: string;
}) {
  return (
    <Layout title="Artifacts" section="artifacts" csrfToken={p.csrfToken}>
      <h1>Artifacts</h1>
      <form class="filters" method="get" action="/artifacts" aria-label="Search artifacts">
        <label>
          Key contains <input type="search" name="q" value={p.q} maxlength="200" />
        </label>
        <button type="submit">Search</button>
      </form>
      {p.rows.length ? (
        <Table class="artifact-keys" columns={["Key", "Type", "Latest", "Updated"]}>
          {p.rows.map((a) => (
            <tr>
              <td>
                <a href={artifactKeyHref(a.key)} safe>
                  {a.key}
                </a>
              </td>
              <td>
                <code safe>{a.type ?? "—"}</code>
              </td>
              <td class="small" safe>
                {artifactSummary(a)}
              </td>
              <td>
                <Time ts={a.updated} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty
          title={p.q ? "No artifact key matches" : "No artifacts yet"}
          hint="Flows make them with create_markdown_artifact, create_table_artifact, create_link_artifact, create_image_artifact or create_progress_artifact and a key."
        />
      )}
      <Pagination path="/artifacts" query={p.q ? { q: p.q } : {}} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}
