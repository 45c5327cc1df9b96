// The deployments list, and the table of deployments that a flow's page shows too.
import { DeploymentStatus } from "../components/deployment-status.tsx";
import { Empty } from "../components/empty.tsx";
import { Pagination } from "../components/pagination.tsx";
import { RunBars, type RunBar } from "../components/run-bars.tsx";
import { Table } from "../components/table.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface DeploymentRow {
  id: string;
  name: string;
  flow_id: string;
  flowName: string | null;
  /** Each schedule in words, with "(paused)" for an inactive one. */
  schedules: string[];
  status: string;
  paused: boolean;
  /** The next Scheduled run's start, or the next date of its active schedules. */
  nextRun: string | null;
  /** The latest runs, newest first. */
  lastRuns: RunBar[];
  tags: string[];
}

export function DeploymentsTable({
  deployments,
  showFlow = true,
}: {
  deployments: DeploymentRow[];
  showFlow?: boolean;
}) {
  return (
    <Table
      class="deployments"
      columns={["Deployment", ...(showFlow ? ["Flow"] : []), "Schedules", "Status", "Next run", "Last runs", "Tags"]}
    >
      {deployments.map((d) => (
        <tr>
          <td>
            <a href={`/deployments/${d.id}`} safe>
              {d.name}
            </a>
          </td>
          {showFlow ? (
            <td>
              <a href={`/flows/${d.flow_id}`} safe>
                {d.flowName ?? d.flow_id.slice(0, 8)}
              </a>
            </td>
          ) : (
            ""
          )}
          <td>
            {d.schedules.length ? (
              d.schedules.map((s) => (
                <div class="small" safe>
                  {s}
                </div>
              ))
            ) : (
              <span class="muted">None</span>
            )}
          </td>
          <td>
            <DeploymentStatus status={d.status} paused={d.paused} />
          </td>
          <td>
            <Time ts={d.nextRun} />
          </td>
          <td>
            <RunBars runs={d.lastRuns} label={`Last ${d.lastRuns.length} runs of ${d.name}`} />
          </td>
          <td>
            <Tags tags={d.tags} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function DeploymentsPage(p: {
  deployments: DeploymentRow[];
  q: string;
  page: number;
  hasNext: boolean;
  csrfToken: string;
}) {
  return (
    <Layout title="Deployments" section="deployments" csrfToken={p.csrfToken}>
      <h1>Deployments</h1>
      <form class="filters" method="get" action="/deployments">
        <label>
          Search <input type="search" name="q" value={p.q} placeholder="deployment or flow name" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {p.deployments.length ? (
        <DeploymentsTable deployments={p.deployments} />
      ) : p.q ? (
        <Empty title="No deployments match this search" hint="Search by part of a deployment's or its flow's name." />
      ) : (
        <Empty
          title="No deployments yet"
          hint="Deploy a flow (flow.serve() or prefect deploy) with PREFECT_API_URL pointing here and it shows up."
        />
      )}
      <Pagination path="/deployments" query={{ q: p.q }} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}
