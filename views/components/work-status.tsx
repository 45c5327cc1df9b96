// Work pools, queues and workers in a few words: their status as a pill (Paused wins over the stored
// status, as Prefect's UI shows it), concurrency slots in use against the limit, and the addresses of a
// pool's and a queue's pages (names are URL-encoded; Prefect's names never hold / or %).
export const poolHref = (pool: string) => `/work-pools/${encodeURIComponent(pool)}`;
export const queueHref = (pool: string, queue: string) => `${poolHref(pool)}/queues/${encodeURIComponent(queue)}`;

/** What a pool's and a queue's status pill and slot count read. */
export interface WorkState {
  status: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
}

/** A work pool as its list row and its page both show it. */
export interface WorkPoolFields extends WorkState {
  name: string;
  type: string;
  description: string | null;
}

/** A work queue as its pool's queue table and its own page both show it. */
export interface WorkQueueFields extends WorkState {
  name: string;
  description: string;
  priority: number;
  last_polled: string | null;
}

const LABELS: Record<string, [kind: string, label: string]> = {
  READY: ["completed", "Ready"],
  NOT_READY: ["none", "Not ready"],
  PAUSED: ["paused", "Paused"],
  ONLINE: ["completed", "Online"],
  OFFLINE: ["none", "Offline"],
};

export function WorkStatus({ status, paused = false }: { status: string | null; paused?: boolean }) {
  if (!paused && !status) return <span class="muted">—</span>;
  const [kind, label] = paused ? LABELS.PAUSED! : (LABELS[status!] ?? ["none", status!]);
  return (
    <span class={`badge state-${kind}`} title={status ?? undefined} safe>
      {label}
    </span>
  );
}

/** "2 / 5", or "2 / no limit" where none is set. */
export function SlotUsage({ active, limit }: { active: number; limit: number | null }) {
  return (
    <span class="slots" title={`${active} run${active === 1 ? "" : "s"} holding a slot`} safe>
      {`${active} / ${limit === null ? "no limit" : limit}`}
    </span>
  );
}

/** A run's or a deployment's pool and queue, linked where the pool is known. */
export function PoolAndQueue({ pool, queue }: { pool: string | null; queue: string | null }) {
  return (
    <>
      <dt>Work pool</dt>
      <dd>
        {pool ? (
          <a href={poolHref(pool)} class="pool-link" safe>
            {pool}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </dd>
      <dt>Work queue</dt>
      <dd>
        {pool && queue ? (
          <a href={queueHref(pool, queue)} class="queue-link" safe>
            {queue}
          </a>
        ) : (
          <span safe>{queue ?? "—"}</span>
        )}
      </dd>
    </>
  );
}
