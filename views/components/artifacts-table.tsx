// A list of artifacts (a run's, or a key's history): each links to its page, with its key, type, a
// glimpse of its data and when it was made.
import { artifactHref, artifactKeyHref, type ArtifactFields, artifactSummary } from "./artifact-view.tsx";
import { Empty } from "./empty.tsx";
import { Table } from "./table.tsx";
import { Time } from "./time.tsx";

export function ArtifactsTable({ artifacts, empty }: { artifacts: ArtifactFields[]; empty: string }) {
  if (!artifacts.length) return <Empty title={empty} />;
  return (
    <Table class="artifacts" columns={["Artifact", "Key", "Type", "Data", "Created"]}>
      {artifacts.map((a) => (
        <tr>
          <td>
            <a href={artifactHref(a.id)} safe>
              {a.key ?? a.id.slice(0, 8)}
            </a>
          </td>
          <td>
            {a.key ? (
              <a href={artifactKeyHref(a.key)} safe>
                {a.key}
              </a>
            ) : (
              <span class="muted">—</span>
            )}
          </td>
          <td>
            <code safe>{a.type ?? "—"}</code>
          </td>
          <td class="small" safe>
            {artifactSummary(a)}
          </td>
          <td>
            <Time ts={a.created} />
          </td>
        </tr>
      ))}
    </Table>
  );
}
