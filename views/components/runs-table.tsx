// A table of flow runs, used by the runs list, the dashboard, a flow's and a deployment's page. A run made
// from a deployment names it beside its flow.
import { StateBadge } from "./state-badge.tsx";
import { Tags } from "./tags.tsx";
import { Time, formatDuration } from "./time.tsx";

export interface RunRow {
  id: string;
  name: string;
  flow_id: string;
  flowName?: string | null;
  deployment_id?: string | null;
  /** Known when the run's deployment still exists. */
  deploymentName?: string | null;
  state_type: string | null;
  state_name: string | null;
  expected_start_time: string | null;
  start_time: string | null;
  estimated_run_time: number;
  tags: string[];
}

function DefaultHead({ selectable }: { selectable: boolean }) {
  return (
    <tr>
      {selectable ? (
        <th scope="col">
          <span class="sr-only">Select</span>
        </th>
      ) : (
        ""
      )}
      <th scope="col">Run</th>
      <th scope="col">Flow</th>
      <th scope="col">State</th>
      <th scope="col">Expected start</th>
      <th scope="col">Duration</th>
      <th scope="col">Tags</th>
    </tr>
  );
}

export function RunsTable({ runs, selectable, head }: { runs: RunRow[]; selectable?: boolean; head?: JSX.Element }) {
  const header: JSX.Element = head ?? <DefaultHead selectable={!!selectable} />;
  return (
    <div class="table-wrap">
      <table class="runs">
        <thead>{header}</thead>
        <tbody>
          {runs.map((r) => (
            <tr>
              {selectable ? (
                <td>
                  <input type="checkbox" name="ids" value={r.id} aria-label={`Select ${r.name}`} />
                </td>
              ) : (
                ""
              )}
              <td>
                <a href={`/runs/${r.id}`} safe>
                  {r.name}
                </a>
              </td>
              <td>
                <a href={`/flows/${r.flow_id}`} safe>
                  {r.flowName ?? r.flow_id.slice(0, 8)}
                </a>
                {r.deployment_id && r.deploymentName ? (
                  <>
                    <span class="muted"> › </span>
                    <a href={`/deployments/${r.deployment_id}`} class="deployment-link" safe>
                      {r.deploymentName}
                    </a>
                  </>
                ) : (
                  ""
                )}
              </td>
              <td>
                <StateBadge type={r.state_type} name={r.state_name} />
              </td>
              <td>
                <Time ts={r.start_time ?? r.expected_start_time} />
              </td>
              <td safe>{formatDuration(r.estimated_run_time)}</td>
              <td>
                <Tags tags={r.tags} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
