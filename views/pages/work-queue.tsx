// A work queue's page: its pool, priority, status and health, slots in use against its limit;
// pause/resume and its priority and limit (asked first, problems shown by the field, nothing written
// unless every field is right); the deployments that send runs to it and its waiting and running runs.
import { ActionsCard, PauseButton } from "../components/actions.tsx";
import { Description, DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { LimitForm, type NumberField } from "../components/limit-form.tsx";
import { PoolRuns } from "../components/pool-runs.tsx";
import type { RunRow } from "../components/runs-table.tsx";
import { Time } from "../components/time.tsx";
import { poolHref, queueHref, SlotUsage, type WorkQueueFields, WorkStatus } from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface WorkQueueDetail extends WorkQueueFields {
  id: string;
  created: string;
  updated: string;
}

export interface WorkQueuePageProps {
  pool: { name: string; type: string; is_paused: boolean };
  queue: WorkQueueDetail;
  isDefault: boolean;
  activeSlots: number;
  lateRuns: number;
  deployments: Array<{ id: string; name: string }>;
  upcoming: RunRow[];
  running: RunRow[];
  /** Priority and limit: their text and problems after a refused submission, else the queue's values. */
  fields: NumberField[];
  notice?: string;
  csrfToken: string;
}

export function WorkQueuePage(p: WorkQueuePageProps) {
  const q = p.queue;
  const href = queueHref(p.pool.name, q.name);
  return (
    <Layout title={`${q.name} · ${p.pool.name}`} section="work-pools" csrfToken={p.csrfToken}>
      <DetailHeader
        crumbs={[
          { href: "/work-pools", label: "Work pools" },
          { href: poolHref(p.pool.name), label: p.pool.name },
        ]}
        title={q.name}
      >
        <p>
          <WorkStatus status={q.status} paused={q.is_paused} />
          {p.pool.is_paused ? <span class="muted small"> (its work pool is paused)</span> : ""}
        </p>
        <Description text={q.description} />
        <dl class="facts">
          <dt>Work pool</dt>
          <dd>
            <a href={poolHref(p.pool.name)} safe>
              {p.pool.name}
            </a>{" "}
            <code class="small" safe>
              {p.pool.type}
            </code>
          </dd>
          <dt>Priority</dt>
          <dd safe>{`${q.priority}${p.isDefault ? " (the pool's default queue)" : ""}`}</dd>
          <dt>Concurrency</dt>
          <dd>
            <SlotUsage active={p.activeSlots} limit={q.concurrency_limit} />
          </dd>
          <dt>Last polled</dt>
          <dd>
            <Time ts={q.last_polled} />
          </dd>
          <dt>Late runs</dt>
          <dd safe>{String(p.lateRuns)}</dd>
          <IdFacts id={q.id} updated={q.updated} />
        </dl>
      </DetailHeader>
      <ActionsCard notice={p.notice}>
        <PauseButton
          href={href}
          paused={q.is_paused}
          noun="work queue"
          confirm={{
            pause: "Pause this work queue? Workers get no runs from it until it is resumed.",
            resume: "Resume this work queue? Workers pick up its runs again.",
          }}
          csrfToken={p.csrfToken}
        />
        <LimitForm
          id="queue-settings"
          action={`${href}/settings`}
          fields={p.fields}
          confirm="Change this work queue's priority and concurrency limit?"
          submit="Save"
          csrfToken={p.csrfToken}
        />
      </ActionsCard>
      <section class="card" aria-labelledby="deployments-h">
        <h2 id="deployments-h">Deployments</h2>
        {p.deployments.length ? (
          <ul class="queue-deployments">
            {p.deployments.map((d) => (
              <li>
                <a href={`/deployments/${d.id}`} safe>
                  {d.name}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <Empty title="No deployments send runs to this queue" />
        )}
      </section>
      <PoolRuns upcoming={p.upcoming} running={p.running} />
    </Layout>
  );
}
