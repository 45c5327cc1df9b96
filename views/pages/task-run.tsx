import type { ArtifactFields } from "../components/artifact-view.tsx";
import { ArtifactsTable } from "../components/artifacts-table.tsx";
import { DetailHeader } from "../components/detail-header.tsx";
import { StateTimeline } from "../components/state-timeline.tsx";
import { Time, formatDuration } from "../components/time.tsx";
import { Layout } from "../layout.tsx";
import type { StateRow } from "../components/state-timeline.tsx";

export interface TaskRunPageProps {
  task: {
    id: string;
    name: string;
    task_key: string;
    flow_run_id: string | null;
    state_type: string | null;
    state_name: string | null;
    start_time: string | null;
    end_time: string | null;
    estimated_run_time: number;
    run_count: number;
    tags: string[];
    cache_key: string | null;
    task_inputs: Record<string, unknown>;
  };
  flowRunName: string | null;
  states: StateRow[];
  /** The artifacts the task run made, newest first. */
  artifacts: ArtifactFields[];
  csrfToken: string;
}

export function TaskRunPage({ task: t, flowRunName, states, artifacts, csrfToken }: TaskRunPageProps) {
  const crumbs = [
    { href: "/runs", label: "Flow runs" },
    ...(t.flow_run_id ? [{ href: `/runs/${t.flow_run_id}`, label: flowRunName ?? t.flow_run_id }] : []),
  ];
  return (
    <Layout title={t.name} section="runs" csrfToken={csrfToken}>
      <DetailHeader crumbs={crumbs} title={t.name} state={{ type: t.state_type, name: t.state_name }}>
        <dl class="facts">
          <dt>Task</dt>
          <dd>
            <code safe>{t.task_key}</code>
          </dd>
          <dt>Start</dt>
          <dd>
            <Time ts={t.start_time} />
          </dd>
          <dt>End</dt>
          <dd>
            <Time ts={t.end_time} />
          </dd>
          <dt>Duration</dt>
          <dd safe>{formatDuration(t.estimated_run_time)}</dd>
          <dt>Run count</dt>
          <dd safe>{String(t.run_count)}</dd>
          <dt>Cache key</dt>
          <dd>
            <code safe>{t.cache_key ?? "—"}</code>
          </dd>
        </dl>
      </DetailHeader>
      <div class="grid-2">
        <section class="card" aria-labelledby="states-h">
          <h2 id="states-h">State timeline</h2>
          <StateTimeline states={states} />
        </section>
        <section class="card" aria-labelledby="inputs-h">
          <h2 id="inputs-h">Inputs</h2>
          <pre class="json" safe>
            {JSON.stringify(t.task_inputs, null, 2)}
          </pre>
        </section>
      </div>
      <section class="card" id="artifacts" aria-labelledby="artifacts-h">
        <h2 id="artifacts-h">
          Artifacts <span class="muted" safe>{`(${artifacts.length})`}</span>
        </h2>
        <ArtifactsTable artifacts={artifacts} empty="No artifacts" />
      </section>
    </Layout>
  );
}
