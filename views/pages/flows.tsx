import { DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { HistoryChart, type HistoryBucket } from "../components/history-chart.tsx";
import { Pagination } from "../components/pagination.tsx";
import { RunsTable, type RunRow } from "../components/runs-table.tsx";
import { Table } from "../components/table.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";
import { DeploymentsTable, type DeploymentRow } from "./deployments.tsx";

export interface FlowRow {
  id: string;
  name: string;
  created: string;
  tags: string[];
}

export function FlowsPage(p: { flows: FlowRow[]; q: string; page: number; hasNext: boolean; csrfToken: string }) {
  return (
    <Layout title="Flows" section="flows" csrfToken={p.csrfToken}>
      <h1>Flows</h1>
      <form class="filters" method="get" action="/flows">
        <label>
          Search <input type="search" name="q" value={p.q} placeholder="flow name" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {p.flows.length ? (
        <Table columns={["Flow", "Created", "Tags"]}>
          {p.flows.map((f) => (
            <tr>
              <td>
                <a href={`/flows/${f.id}`} safe>
                  {f.name}
                </a>
              </td>
              <td>
                <Time ts={f.created} />
              </td>
              <td>
                <Tags tags={f.tags} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty title="No flows yet" hint="A flow appears here the first time it runs against this server." />
      )}
      <Pagination path="/flows" query={{ q: p.q }} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}

export function FlowPage(p: {
  flow: FlowRow;
  runs: RunRow[];
  history: HistoryBucket[];
  runCount: number;
  /** The flow's deployments (the first 100 by name). */
  deployments: DeploymentRow[];
  csrfToken: string;
}) {
  return (
    <Layout title={p.flow.name} section="flows" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/flows", label: "Flows" }]} title={p.flow.name}>
        <dl class="facts">
          <dt>Created</dt>
          <dd>
            <Time ts={p.flow.created} />
          </dd>
          <dt>Runs</dt>
          <dd safe>{String(p.runCount)}</dd>
          <IdFacts id={p.flow.id} />
        </dl>
      </DetailHeader>
      <section class="card" aria-labelledby="deps-h">
        <h2 id="deps-h">
          Deployments <span class="muted" safe>{`(${p.deployments.length})`}</span>
        </h2>
        {p.deployments.length ? (
          <DeploymentsTable deployments={p.deployments} showFlow={false} />
        ) : (
          <Empty title="No deployments" hint="Serve or deploy this flow and its deployments are listed here." />
        )}
      </section>
      <section class="card" aria-labelledby="hist-h">
        <h2 id="hist-h">Run history (7 days)</h2>
        <HistoryChart buckets={p.history} label={`Runs of ${p.flow.name} over the last 7 days by state`} />
      </section>
      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">Recent runs</h2>
        {p.runs.length ? <RunsTable runs={p.runs} /> : <Empty title="No runs" />}
        <p>
          <a href={`/runs?flow=${encodeURIComponent(p.flow.name)}&since=all`}>All runs of this flow →</a>
        </p>
      </section>
    </Layout>
  );
}
