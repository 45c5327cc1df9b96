// An artifact's page (its data rendered for its type, its description as markdown, the runs it belongs
// to) and a key's page (its latest artifact rendered, then every version, newest first).
import { ArtifactData, artifactHref, artifactKeyHref, type ArtifactFields } from "../components/artifact-view.tsx";
import { ArtifactsTable } from "../components/artifacts-table.tsx";
import { DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Markdown } from "../components/markdown.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface ArtifactDetail extends ArtifactFields {
  updated: string;
  metadata_: Record<string, string> | null;
}

function Facts({
  a,
  flowRunName,
  taskRunName,
}: {
  a: ArtifactDetail;
  flowRunName: string | null;
  taskRunName: string | null;
}) {
  return (
    <dl class="facts">
      <dt>Type</dt>
      <dd>
        <code safe>{a.type ?? "—"}</code>
      </dd>
      <dt>Key</dt>
      <dd>
        {a.key ? (
          <a href={artifactKeyHref(a.key)} safe>
            {a.key}
          </a>
        ) : (
          <span class="muted">none</span>
        )}
      </dd>
      <dt>Flow run</dt>
      <dd>
        {a.flow_run_id ? (
          <a href={`/runs/${a.flow_run_id}`} safe>
            {flowRunName ?? a.flow_run_id}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </dd>
      <dt>Task run</dt>
      <dd>
        {a.task_run_id ? (
          <a href={`/task-runs/${a.task_run_id}`} safe>
            {taskRunName ?? a.task_run_id}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </dd>
      <dt>Created</dt>
      <dd>
        <Time ts={a.created} />
      </dd>
      {a.metadata_
        ? Object.entries(a.metadata_).map(([k, v]) => (
            <>
              <dt safe>{k}</dt>
              <dd safe>{v}</dd>
            </>
          ))
        : ""}
      <IdFacts id={a.id} updated={a.updated} />
    </dl>
  );
}

function Body({ a }: { a: ArtifactDetail }) {
  return (
    <>
      {a.description ? (
        <section class="card" aria-labelledby="desc-h">
          <h2 id="desc-h">Description</h2>
          <Markdown text={a.description} />
        </section>
      ) : (
        ""
      )}
      <section class="card artifact" aria-labelledby="data-h">
        <h2 id="data-h">{a.type === "progress" ? "Progress" : "Content"}</h2>
        <ArtifactData artifact={a} />
      </section>
    </>
  );
}

export interface ArtifactPageProps {
  artifact: ArtifactDetail;
  flowRunName: string | null;
  taskRunName: string | null;
  csrfToken: string;
}

export function ArtifactPage(p: ArtifactPageProps) {
  const a = p.artifact;
  const crumbs = [
    { href: "/artifacts", label: "Artifacts" },
    ...(a.key ? [{ href: artifactKeyHref(a.key), label: a.key }] : []),
  ];
  return (
    <Layout title={a.key ?? "Artifact"} section="artifacts" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={crumbs} title={a.key ?? `Artifact ${a.id.slice(0, 8)}`}>
        <Facts a={a} flowRunName={p.flowRunName} taskRunName={p.taskRunName} />
      </DetailHeader>
      <Body a={a} />
    </Layout>
  );
}

export interface ArtifactKeyPageProps {
  artifactKey: string;
  latest: ArtifactDetail | null;
  history: ArtifactFields[];
  page: number;
  hasNext: boolean;
  flowRunName: string | null;
  taskRunName: string | null;
  csrfToken: string;
}

export function ArtifactKeyPage(p: ArtifactKeyPageProps) {
  return (
    <Layout title={p.artifactKey} section="artifacts" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/artifacts", label: "Artifacts" }]} title={p.artifactKey}>
        {p.latest ? (
          <>
            <p class="muted small">
              Latest version:{" "}
              <a href={artifactHref(p.latest.id)} safe>
                {p.latest.id}
              </a>
            </p>
            <Facts a={p.latest} flowRunName={p.flowRunName} taskRunName={p.taskRunName} />
          </>
        ) : (
          ""
        )}
      </DetailHeader>
      {p.latest ? <Body a={p.latest} /> : ""}
      <section class="card" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <ArtifactsTable artifacts={p.history} empty="No versions" />
        <Pagination path={artifactKeyHref(p.artifactKey)} query={{}} page={p.page} hasNext={p.hasNext} />
      </section>
    </Layout>
  );
}
