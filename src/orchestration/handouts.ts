// Runs a worker's poll handed out moments ago, so the next pollers are handed other runs first. Prefect
// hands every poller the same soonest runs until one of them moves a run to Pending; the others' PENDING
// proposals are then ABORTed (orchestration/rules/pending-transitions.ts), which keeps a run to one
// worker but makes a busy fleet race for the same few runs. Nothing is hidden: a run handed out stays
// in every answer, only after the runs nobody was handed, and for `ttlMs` at most (a worker that took a
// run and dropped it, as the SDK's worker does past its --limit, delays it for no one). Per server
// process; with several servers on one PostgreSQL the PENDING rule still decides. Queues under a
// concurrency limit are not spread (store/work-pool-runs.ts): there the race is what keeps the limit.
export class Handouts {
  private readonly until = new Map<string, { at: number; queue: string }>();
  private readonly perQueue = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether the run was handed out within the TTL. */
  has(runId: string): boolean {
    const e = this.until.get(runId);
    if (!e) return false;
    if (e.at > this.now()) return true;
    this.drop(runId);
    return false;
  }

  /** How many runs of the queue were handed out lately (an upper bound: expired ones count until read). */
  countIn(queueId: string): number {
    return this.perQueue.get(queueId) ?? 0;
  }

  add(runId: string, queueId: string): void {
    this.drop(runId);
    this.until.set(runId, { at: this.now() + this.ttlMs, queue: queueId });
    this.perQueue.set(queueId, (this.perQueue.get(queueId) ?? 0) + 1);
    if (this.until.size > 4 * 1024) this.sweep();
  }

  /** The run left Scheduled (or was handed out again): it no longer needs spreading. */
  drop(runId: string): void {
    const e = this.until.get(runId);
    if (!e) return;
    this.until.delete(runId);
    const n = (this.perQueue.get(e.queue) ?? 1) - 1;
    if (n > 0) this.perQueue.set(e.queue, n);
    else this.perQueue.delete(e.queue);
  }

  get size(): number {
    return this.until.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, e] of this.until) if (e.at <= t) this.drop(id);
  }
}
