// A work pool's page: its type, status and slots; pause/resume and its concurrency limit (asked first,
// problems shown by the field); its queues by priority, its workers by last heartbeat, the runs waiting
// in it and the runs holding its slots, and its base job template.
import { DetailHeader } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { JobTemplate } from "../components/job-template.tsx";
import { LimitForm, type NumberField } from "../components/limit-form.tsx";
import { PoolRuns } from "../components/pool-runs.tsx";
import type { RunRow } from "../components/runs-table.tsx";
import { Time } from "../components/time.tsx";
import { poolHref, queueHref, SlotUsage, WorkStatus } from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface WorkPoolDetail {
  id: string;
  name: string;
  type: string;
  description: string | null;
  status: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
  base_job_template: Record<string, unknown>;
  created: string;
  updated: string;
}

export interface PoolQueueRow {
  name: string;
  description: string;
  priority: number;
  status: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
  activeSlots: number;
  last_polled: string | null;
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
    <div class="table-wrap">
      <table class="queues">
        <thead>
          <tr>
            <th scope="col">Priority</th>
            <th scope="col">Work queue</th>
            <th scope="col">Status</th>
            <th scope="col">Concurrency</th>
            <th scope="col">Last polled</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr>
              <td safe>{String(q.priority)}</td>
              <td>
                <a href={queueHref(pool, q.name)} safe>
                  {q.name}
                </a>
                {q.isDefault ? <span class="muted small"> (default)</span> : ""}
                {q.description ? (
                  <div class="muted small description" safe>
                    {q.description}
                  </div>
                ) : (
                  ""
                )}
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
        </tbody>
      </table>
    </div>
  );
}

function WorkersTable({ workers }: { workers: WorkerRow[] }) {
  return (
    <div class="table-wrap">
      <table class="workers">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Status</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Heartbeat every</th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </div>
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
        {w.description ? (
          <p class="description" style="white-space:pre-wrap" safe>
            {w.description}
          </p>
        ) : (
          ""
        )}
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
          <dt>Updated</dt>
          <dd>
            <Time ts={w.updated} />
          </dd>
          <dt>ID</dt>
          <dd>
            <code safe>{w.id}</code>
          </dd>
        </dl>
      </DetailHeader>
      <Flash notice={p.notice} />
      <section class="card actions" aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        <form
          method="post"
          action={`${href}/${w.is_paused ? "resume" : "pause"}`}
          class="inline"
          data-confirm={
            w.is_paused
              ? "Resume this work pool? Its workers pick up runs again."
              : "Pause this work pool? Its workers get no runs from it until it is resumed."
          }
        >
          <input type="hidden" name="csrf" value={p.csrfToken} />
          <button type="submit" class={w.is_paused ? undefined : "danger"}>
            {w.is_paused ? "Resume work pool" : "Pause work pool"}
          </button>
        </form>
        <LimitForm
          id="pool-limit"
          action={`${href}/limit`}
          fields={[p.limitField]}
          confirm="Change this work pool's concurrency limit?"
          submit="Save limit"
          csrfToken={p.csrfToken}
        />
      </section>
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
