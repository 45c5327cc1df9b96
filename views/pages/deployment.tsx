// A deployment's page: what it runs and with which parameters, its schedules with their next dates,
// pause/resume, its concurrency limit with the runs waiting for a slot, its upcoming and recent runs, and
// the Run form.
import { ActionsCard, PauseButton } from "../components/actions.tsx";
import { DeploymentStatus } from "../components/deployment-status.tsx";
import { Description, DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { RunForm, type RunFormProps } from "../components/run-form.tsx";
import { RunsTable, type RunRow } from "../components/runs-table.tsx";
import { ScheduleList, type ScheduleRow } from "../components/schedule-list.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { PoolAndQueue } from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface DeploymentDetail {
  id: string;
  name: string;
  flow_id: string;
  description: string | null;
  version: string | null;
  status: string;
  paused: boolean;
  tags: string[];
  parameters: Record<string, unknown>;
  entrypoint: string | null;
  path: string | null;
  work_pool_name: string | null;
  work_queue_name: string | null;
  enforce_parameter_schema: boolean;
  created: string;
  updated: string;
  last_polled: string | null;
}

export interface DeploymentConcurrencyView {
  limit: number;
  activeSlots: number;
  strategy: string;
  queued: RunRow[];
}

export interface DeploymentPageProps {
  deployment: DeploymentDetail;
  flowName: string;
  schedules: ScheduleRow[];
  upcoming: RunRow[];
  recent: RunRow[];
  runCount: number;
  /** Its concurrency limit, the slots its runs hold and the runs waiting for one; null without a limit. */
  concurrency?: DeploymentConcurrencyView | null;
  /** The Run form, open (from /deployments/<id>/run or after a refused submission); closed when absent. */
  runForm?: RunFormProps;
  notice?: string;
  csrfToken: string;
}

const runsLink = (id: string, extra = "") => `/runs?deployment=${id}&since=all${extra}`;

export function DeploymentPage(p: DeploymentPageProps) {
  const d = p.deployment;
  return (
    <Layout title={d.name} section="deployments" csrfToken={p.csrfToken}>
      <DetailHeader
        crumbs={[
          { href: "/deployments", label: "Deployments" },
          { href: `/flows/${d.flow_id}`, label: p.flowName },
        ]}
        title={d.name}
      >
        <p>
          <DeploymentStatus status={d.status} paused={d.paused} />
        </p>
        <Description text={d.description} />
        <dl class="facts">
          <dt>Flow</dt>
          <dd>
            <a href={`/flows/${d.flow_id}`} safe>
              {p.flowName}
            </a>
          </dd>
          <dt>Entrypoint</dt>
          <dd>{d.entrypoint ? <code safe>{d.entrypoint}</code> : <span class="muted">—</span>}</dd>
          <dt>Path</dt>
          <dd>{d.path ? <code safe>{d.path}</code> : <span class="muted">—</span>}</dd>
          <dt>Version</dt>
          <dd safe>{d.version ?? "—"}</dd>
          <PoolAndQueue pool={d.work_pool_name} queue={d.work_queue_name} />
          <dt>Last polled</dt>
          <dd>
            <Time ts={d.last_polled} />
          </dd>
          <dt>Tags</dt>
          <dd>
            <Tags tags={d.tags} none="—" />
          </dd>
          <dt>Runs</dt>
          <dd>
            <a href={runsLink(d.id)} safe>{`${p.runCount} →`}</a>
          </dd>
          <IdFacts id={d.id} updated={d.updated} />
        </dl>
      </DetailHeader>
      <ActionsCard notice={p.notice}>
        <form
          method="get"
          action={`/deployments/${d.id}/run`}
          hx-get={`/deployments/${d.id}/run`}
          hx-target="#run-panel"
          class="inline"
        >
          <button type="submit">Run</button>
        </form>
        <PauseButton
          href={`/deployments/${d.id}`}
          paused={d.paused}
          noun="deployment"
          confirm={{
            pause: "Pause this deployment? Its scheduled runs that have not started are deleted.",
            resume: "Resume this deployment? Its schedules start making runs again.",
          }}
          csrfToken={p.csrfToken}
        />
        <div id="run-panel">{p.runForm ? <RunForm {...p.runForm} /> : ""}</div>
      </ActionsCard>
      <div class="grid-2">
        <section class="card" aria-labelledby="sched-h">
          <h2 id="sched-h">Schedules</h2>
          <ScheduleList
            deploymentId={d.id}
            schedules={p.schedules}
            deploymentPaused={d.paused}
            csrfToken={p.csrfToken}
          />
        </section>
        <section class="card" aria-labelledby="params-h">
          <h2 id="params-h">Parameters</h2>
          {Object.keys(d.parameters).length ? (
            <pre class="json" safe>
              {JSON.stringify(d.parameters, null, 2)}
            </pre>
          ) : (
            <p class="muted">No default parameters.</p>
          )}
          <p class="muted small">
            {d.enforce_parameter_schema
              ? "Runs are checked against the parameter schema."
              : "The parameter schema is not enforced."}
          </p>
        </section>
      </div>
      {p.concurrency ? (
        <section class="card deployment-concurrency" aria-labelledby="concurrency-h">
          <h2 id="concurrency-h">Concurrency</h2>
          <p>
            <span class="slots" safe>{`${p.concurrency.activeSlots} / ${p.concurrency.limit}`}</span>
            <span class="muted" safe>{` slots in use · when full: ${
              p.concurrency.strategy === "CANCEL_NEW" ? "new runs are cancelled" : "new runs wait"
            }`}</span>
          </p>
          {p.concurrency.queued.length ? (
            <RunsTable runs={p.concurrency.queued} />
          ) : (
            <p class="muted">No run is waiting for a slot.</p>
          )}
        </section>
      ) : (
        ""
      )}
      <section class="card" aria-labelledby="upcoming-h">
        <h2 id="upcoming-h">Upcoming runs</h2>
        {p.upcoming.length ? <RunsTable runs={p.upcoming} /> : <Empty title="No scheduled runs" />}
        <p>
          <a href={runsLink(d.id, "&state=SCHEDULED&sort=EXPECTED_START_TIME_ASC")}>All scheduled runs →</a>
        </p>
      </section>
      <section class="card" aria-labelledby="recent-h">
        <h2 id="recent-h">Recent runs</h2>
        {p.recent.length ? <RunsTable runs={p.recent} /> : <Empty title="No runs yet" />}
        <p>
          <a href={runsLink(d.id)}>All runs of this deployment →</a>
        </p>
      </section>
    </Layout>
  );
}
