import { ActionsCard, PostButton } from "../components/actions.tsx";
import type { ArtifactFields } from "../components/artifact-view.tsx";
import { ArtifactsTable } from "../components/artifacts-table.tsx";
import { DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { LEVELS, Logs, type LogLine } from "../components/logs.tsx";
import { RunsTable, type RunRow } from "../components/runs-table.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { StateTimeline, type StateRow } from "../components/state-timeline.tsx";
import { Table } from "../components/table.tsx";
import { Tags } from "../components/tags.tsx";
import { Time, formatDuration } from "../components/time.tsx";
import { PoolAndQueue } from "../components/work-status.tsx";
import { RunGraph, type GraphNodeView } from "../components/run-graph.tsx";
import { RunForm, type RunFormProps } from "../components/run-form.tsx";
import { Layout } from "../layout.tsx";

export interface TaskRow {
  id: string;
  name: string;
  state_type: string | null;
  state_name: string | null;
  start_time: string | null;
  end_time: string | null;
  estimated_run_time: number;
}

export interface FlowRunPageProps {
  run: RunRow & {
    parameters: Record<string, unknown>;
    run_count: number;
    end_time: string | null;
    deployment_id: string | null;
    parent_task_run_id: string | null;
    work_pool_name: string | null;
    work_queue_name: string | null;
  };
  flowName: string;
  states: StateRow[];
  tasks: TaskRow[];
  /** The run's graph (store/flow-run-graph.ts), null when it is too large to draw. */
  graph: { nodes: GraphNodeView[]; total: number } | null;
  /** The Resume form, for a paused run. */
  resume: RunFormProps | null;
  subflows: RunRow[];
  /** The artifacts the run and its tasks made, newest first. */
  artifacts: ArtifactFields[];
  /** The automations that fired for this run, the latest firing first. */
  automations: Array<{ id: string; name: string; actions: number; last: string }>;
  logs: LogLine[];
  logsTruncated: boolean;
  level: number;
  live: boolean;
  stateTypes: string[];
  csrfToken: string;
  formError?: string;
  notice?: string;
}

/** Task runs as bars on one time axis: where each started and how long it took, relative to the run. */
function Gantt({ tasks }: { tasks: TaskRow[] }) {
  const started = tasks.filter((t) => t.start_time);
  if (!started.length) return "";
  const t0 = Math.min(...started.map((t) => Date.parse(t.start_time!)));
  const t1 = Math.max(...started.map((t) => Date.parse(t.start_time!) + t.estimated_run_time * 1000), t0 + 1);
  const span = t1 - t0;
  return (
    <div class="gantt" role="img" aria-label="Task run timeline">
      {started.map((t) => {
        const left = ((Date.parse(t.start_time!) - t0) / span) * 100;
        const width = Math.max(0.5, ((t.estimated_run_time * 1000) / span) * 100);
        return (
          <div class="gantt-row">
            <span class="gantt-label" safe>
              {t.name}
            </span>
            <span class="gantt-track">
              <span
                class={`gantt-bar state-${(t.state_type ?? "none").toLowerCase()}`}
                style={`left:${left.toFixed(2)}%;width:${Math.min(100 - left, width).toFixed(2)}%`}
                title={`${t.name}: ${formatDuration(t.estimated_run_time)}`}
              ></span>
            </span>
          </div>
        );
      })}
    </div>
  );
}

export function FlowRunPage(p: FlowRunPageProps) {
  const r = p.run;
  const terminal = ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(r.state_type ?? "");
  return (
    <Layout title={r.name} section="runs" csrfToken={p.csrfToken}>
      <DetailHeader
        crumbs={[
          { href: "/runs", label: "Flow runs" },
          { href: `/flows/${r.flow_id}`, label: p.flowName },
        ]}
        title={r.name}
        state={{ type: r.state_type, name: r.state_name }}
      >
        <dl class="facts">
          <dt>Flow</dt>
          <dd>
            <a href={`/flows/${r.flow_id}`} safe>
              {p.flowName}
            </a>
          </dd>
          <dt>Start</dt>
          <dd>
            <Time ts={r.start_time ?? r.expected_start_time} />
          </dd>
          <dt>End</dt>
          <dd>
            <Time ts={r.end_time} />
          </dd>
          <dt>Duration</dt>
          <dd safe>{formatDuration(r.estimated_run_time)}</dd>
          <PoolAndQueue pool={r.work_pool_name} queue={r.work_queue_name} />
          <dt>Run count</dt>
          <dd safe>{String(r.run_count)}</dd>
          <dt>Tags</dt>
          <dd>
            <Tags tags={r.tags} none="—" />
          </dd>
          <IdFacts id={r.id} />
        </dl>
      </DetailHeader>
      {p.resume ? (
        <section class="card" id="resume" aria-labelledby="resume-h">
          <h2 id="resume-h">Resume</h2>
          <RunForm {...p.resume} />
        </section>
      ) : (
        ""
      )}
      <ActionsCard notice={p.notice}>
        {!terminal ? (
          <PostButton
            action={`/runs/${r.id}/cancel`}
            confirm="Cancel this flow run?"
            label="Cancel run"
            danger
            csrfToken={p.csrfToken}
          />
        ) : (
          ""
        )}
        {r.deployment_id && terminal ? (
          <PostButton
            action={`/runs/${r.id}/retry`}
            confirm="Retry this flow run?"
            label="Retry"
            csrfToken={p.csrfToken}
          />
        ) : (
          ""
        )}
        <form
          method="post"
          action={`/runs/${r.id}/state`}
          class="state-form"
          data-confirm="Change the state of this flow run?"
        >
          <input type="hidden" name="csrf" value={p.csrfToken} />
          <label>
            New state
            <select
              name="type"
              aria-invalid={p.formError ? "true" : undefined}
              aria-describedby={p.formError ? "state-error" : undefined}
            >
              <option value="">Choose…</option>
              {p.stateTypes.map((s) => (
                <option value={s} safe>
                  {s.charAt(0) + s.slice(1).toLowerCase()}
                </option>
              ))}
            </select>
          </label>
          <label>
            Message <input type="text" name="message" maxlength="500" />
          </label>
          <button type="submit">Change state</button>
          {p.formError ? (
            <p id="state-error" class="field-error" role="alert" safe>
              {p.formError}
            </p>
          ) : (
            ""
          )}
        </form>
      </ActionsCard>
      <div class="grid-2">
        <section class="card" aria-labelledby="states-h">
          <h2 id="states-h">State timeline</h2>
          <StateTimeline states={p.states} />
        </section>
        <section class="card" aria-labelledby="params-h">
          <h2 id="params-h">Parameters</h2>
          <pre class="json" safe>
            {JSON.stringify(r.parameters, null, 2)}
          </pre>
        </section>
      </div>
      <section class="card" aria-labelledby="tasks-h">
        <h2 id="tasks-h">
          Task runs <span class="muted" safe>{`(${p.tasks.length})`}</span>
        </h2>
        {p.tasks.length ? (
          <>
            <Gantt tasks={p.tasks} />
            <Table columns={["Task run", "State", "Start", "Duration"]}>
              {p.tasks.map((t) => (
                <tr>
                  <td>
                    <a href={`/task-runs/${t.id}`} safe>
                      {t.name}
                    </a>
                  </td>
                  <td>
                    <StateBadge type={t.state_type} name={t.state_name} />
                  </td>
                  <td>
                    <Time ts={t.start_time} />
                  </td>
                  <td safe>{formatDuration(t.estimated_run_time)}</td>
                </tr>
              ))}
            </Table>
          </>
        ) : (
          <Empty title="No task runs recorded" />
        )}
      </section>
      {p.graph?.nodes.length ? (
        <section class="card" id="graph" aria-labelledby="graph-h">
          <h2 id="graph-h">Graph</h2>
          <RunGraph nodes={p.graph.nodes} total={p.graph.total} />
        </section>
      ) : (
        ""
      )}
      {p.subflows.length ? (
        <section class="card" aria-labelledby="sub-h">
          <h2 id="sub-h">Subflow runs</h2>
          <RunsTable runs={p.subflows} />
        </section>
      ) : (
        ""
      )}
      {p.automations.length ? (
        <section class="card" id="automations" aria-labelledby="automations-h">
          <h2 id="automations-h">Automations that fired</h2>
          <ul class="fired">
            {p.automations.map((a) => (
              <li>
                <a href={`/automations/${a.id}`} safe>
                  {a.name}
                </a>{" "}
                <span class="muted small" safe>{`${a.actions} action${a.actions === 1 ? "" : "s"}, last`}</span>{" "}
                <Time ts={a.last} />
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
      <section class="card" id="artifacts" aria-labelledby="artifacts-h">
        <h2 id="artifacts-h">
          Artifacts <span class="muted" safe>{`(${p.artifacts.length})`}</span>
        </h2>
        <ArtifactsTable artifacts={p.artifacts} empty="No artifacts" />
      </section>
      <section class="card" aria-labelledby="logs-h">
        <div class="section-head">
          <h2 id="logs-h">Logs</h2>
          <label>
            Level{" "}
            <select name="level" hx-get={`/runs/${r.id}/logs`} hx-target="#logs" hx-swap="outerHTML">
              {LEVELS.map(([v, label]) => (
                <option value={String(v)} selected={v === p.level} safe>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <Logs runId={r.id} logs={p.logs} level={p.level} live={p.live} truncated={p.logsTruncated} />
      </section>
    </Layout>
  );
}
