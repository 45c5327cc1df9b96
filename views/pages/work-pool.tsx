// A work pool's page: its type, status and slots; pause/resume and its concurrency limit (asked first,
// problems shown by the field); its queues by priority, its workers by last heartbeat, the runs waiting
// in it and the runs holding its slots, and its base job template.
import { ActionsCard, PauseButton } from "../components/actions.tsx";
import { Description, DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { JobTemplate } from "../components/job-template.tsx";
import { LimitForm, type NumberField } from "../components/limit-form.tsx";
import { Note } from "../components/note.tsx";
import { PoolRuns } from "../components/pool-runs.tsx";
import type { RunRow } from "../components/runs-table.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import {
  poolHref,
  queueHref,
  SlotUsage,
  type WorkPoolFields,
  type WorkQueueFields,
  WorkStatus,
} from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface WorkPoolDetail extends WorkPoolFields {
  id: string;
  base_job_template: Record<string, unknown>;
  created: string;
  updated: string;
}

export interface PoolQueueRow extends WorkQueueFields {
  activeSlots: number;
  isDefault: boolean;
}

export interface WorkerRow {
  name: string;
  status: string;
  last_heartbeat_time: string | null;
  heartbeat_interval_seconds: number | null;
}

export interface WorkPoolPageProps {
  pool: WorkPoolDetail;
  activeSlots: number;
  onlineWorkers: number;
  queues: PoolQueueRow[];
  workers: WorkerRow[];
  upcoming: RunRow[];
  running: RunRow[];
  /** The limit field: its text and problem after a refused submission, else the pool's limit. */
  limitField: NumberField;
  notice?: string;
  csrfToken: string;
}

export function QueuesTable({ pool, queues }: { pool: string; queues: PoolQueueRow[] }) {
  return (
    <Table class="queues" columns={["Priority", "Work queue", "Status", "Concurrency", "Last polled"]}>
      {queues.map((q) => (
        <tr>
          <td safe>{String(q.priority)}</td>
          <td>
            <a href={queueHref(pool, q.name)} safe>
              {q.name}
            </a>
            {q.isDefault ? <span class="muted small"> (default)</span> : ""}
            <Note text={q.description} class="description" />
          </td>
          <td>
            <WorkStatus status={q.status} paused={q.is_paused} />
          </td>
          <td>
            <SlotUsage active={q.activeSlots} limit={q.concurrency_limit} />
          </td>
          <td>
            <Time ts={q.last_polled} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

function WorkersTable({ workers }: { workers: WorkerRow[] }) {
  return (
    <Table class="workers" columns={["Worker", "Status", "Last heartbeat", "Heartbeat every"]}>
      {workers.map((w) => (
        <tr>
          <td safe>{w.name}</td>
          <td>
            <WorkStatus status={w.status} />
          </td>
          <td>
            <Time ts={w.last_heartbeat_time} />
          </td>
          <td safe>{w.heartbeat_interval_seconds === null ? "—" : `${w.heartbeat_interval_seconds}s`}</td>
        </tr>
      ))}
    </Table>
  );
}

export function WorkPoolPage(p: WorkPoolPageProps) {
  const w = p.pool;
  const href = poolHref(w.name);
  return (
    <Layout title={w.name} section="work-pools" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/work-pools", label: "Work pools" }]} title={w.name}>
        <p>
          <WorkStatus status={w.status} paused={w.is_paused} />
        </p>
        <Description text={w.description} />
        <dl class="facts">
          <dt>Type</dt>
          <dd>
            <code safe>{w.type}</code>
          </dd>
          <dt>Concurrency</dt>
          <dd>
            <SlotUsage active={p.activeSlots} limit={w.concurrency_limit} />
          </dd>
          <dt>Online workers</dt>
          <dd safe>{String(p.onlineWorkers)}</dd>
          <dt>Queues</dt>
          <dd safe>{String(p.queues.length)}</dd>
          <IdFacts id={w.id} updated={w.updated} />
        </dl>
      </DetailHeader>
      <ActionsCard notice={p.notice}>
        <PauseButton
          href={href}
          paused={w.is_paused}
          noun="work pool"
          confirm={{
            pause: "Pause this work pool? Its workers get no runs from it until it is resumed.",
            resume: "Resume this work pool? Its workers pick up runs again.",
          }}
          csrfToken={p.csrfToken}
        />
        <LimitForm
          id="pool-limit"
          action={`${href}/limit`}
          fields={[p.limitField]}
          confirm="Change this work pool's concurrency limit?"
          submit="Save limit"
          csrfToken={p.csrfToken}
        />
      </ActionsCard>
      <section class="card" aria-labelledby="queues-h">
        <h2 id="queues-h">Work queues</h2>
        {p.queues.length ? <QueuesTable pool={w.name} queues={p.queues} /> : <Empty title="No work queues" />}
      </section>
      <section class="card" aria-labelledby="workers-h">
        <h2 id="workers-h">Workers</h2>
        {p.workers.length ? (
          <WorkersTable workers={p.workers} />
        ) : (
          <Empty
            title="No workers yet"
            hint={`Start one with: prefect worker start --pool ${JSON.stringify(w.name)}`}
          />
        )}
      </section>
      <PoolRuns upcoming={p.upcoming} running={p.running} />
      <section class="card" aria-labelledby="template-h">
        <h2 id="template-h">Base job template</h2>
        <JobTemplate template={w.base_job_template} />
      </section>
    </Layout>
  );
}
