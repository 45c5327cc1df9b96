// Background task runs (task.delay(), deferred) waiting for a task worker, and the workers subscribed
// to their task keys through /task_runs/subscriptions/scheduled (api/task-runs-ws.ts). Each run goes to
// one worker at a time. In Prefect 3.x the worker runs the task client-side and its states arrive as
// events, with no server rule to stop a second start, so handing a run to exactly one worker is what
// keeps it from running twice.
//
// A worker is sent one run and then nothing until it acknowledges it (Prefect's protocol). A run sent
// but not acknowledged when the socket closes goes back to the front of its key's queue; so do runs a
// worker acknowledged but had not started (no state event seen) when it went away, once the caller has
// checked they are still Scheduled: the SDK's worker acknowledges first and then waits for a slot under
// its --limit, so a killed worker can hold acknowledged runs it never began.
//
// Per server process and in memory, as Prefect's TaskQueue; unlike Prefect's, what is lost with the
// process is only the order: runs still Scheduled are read back from the database when workers
// subscribe (api/task-runs-ws.ts), so a restart loses no run. No I/O here.
/** What the queue needs of a task run; the socket sends the whole run. */
export interface QueuedRun {
  id: string;
  task_key: string;
}

export interface TaskWorkerInfo {
  identifier: string;
  task_keys: string[];
  timestamp: string;
}

interface Subscriber<R extends QueuedRun> {
  id: string;
  clientId: string;
  keys: string[];
  send: (run: R) => void;
  /** Sent, not acknowledged yet. */
  sent: R | null;
  /** Acknowledged and not seen to start. */
  held: Map<string, R>;
  seen: number;
}

interface KeyQueue<R extends QueuedRun> {
  retry: R[];
  scheduled: R[];
}

/** Runs queued per key at most; past it the oldest scheduled ones wait in the database instead. */
export const MAX_QUEUED_PER_KEY = 10_000;
/** How long a run seen to start is never queued again (the recorder writes states within seconds). */
export const STARTED_MEMORY_MS = 120_000;
/** Runs remembered as started at most. */
export const MAX_STARTED = 100_000;

export class TaskQueue<R extends QueuedRun = QueuedRun> {
  private readonly queues = new Map<string, KeyQueue<R>>();
  /** Every run this queue holds, queued, sent or held, by id: one place per run. */
  private readonly placed = new Map<string, "queued" | string>();
  private readonly subscribers = new Map<string, Subscriber<R>>();
  /** Idle subscribers, longest idle first. */
  private readonly idle = new Set<string>();

  /**
   * Runs seen to start, for STARTED_MEMORY_MS: the database says Scheduled until the task-run recorder
   * has written the state the event carried, and a worker subscribing meanwhile must not be handed one.
   */
  private readonly startedAt = new Map<string, number>();
  /** Held runs of a worker that went away, until the caller has checked and requeued them. */
  private readonly returned = new Set<string>();
  /** Keys whose waiting runs did not all fit here: read again from the database when they run dry. */
  private readonly overflowed = new Set<string>();
  /** Called when a worker of these keys has nothing to take (the API reads more from the database). */
  hungry: ((keys: string[]) => void) | null = null;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Queues a run for its key's workers (retries first); false when this queue already has it. */
  push(run: R, retry = false): boolean {
    if (this.placed.has(run.id) || this.recentlyStarted(run.id)) return false;
    const q = this.queueOf(run.task_key);
    const list = retry ? q.retry : q.scheduled;
    if (list.length >= MAX_QUEUED_PER_KEY) {
      this.overflowed.add(run.task_key);
      return false;
    }
    list.push(run);
    this.placed.set(run.id, "queued");
    this.dispatch(run.task_key);
    return true;
  }

  /** Whether the queue holds the run anywhere (queued, sent or held). */
  has(runId: string): boolean {
    return this.placed.has(runId);
  }

  /** A worker subscribed to `keys`; it is sent runs through `send`. */
  subscribe(id: string, clientId: string, keys: string[], send: (run: R) => void): void {
    const sub: Subscriber<R> = { id, clientId, keys, send, sent: null, held: new Map(), seen: Date.now() };
    this.subscribers.set(id, sub);
    this.becomeIdle(sub);
  }

  /** The worker acknowledged the run it was sent; it may be sent the next. */
  ack(id: string): void {
    const sub = this.subscribers.get(id);
    if (!sub?.sent) return;
    sub.held.set(sub.sent.id, sub.sent);
    sub.sent = null;
    sub.seen = Date.now();
    this.becomeIdle(sub);
  }

  /**
   * The worker went away. Its unacknowledged run is queued again at once; the acknowledged runs it had
   * not started are returned for the caller to check and push back (`requeue`).
   */
  drop(id: string): R[] {
    const sub = this.subscribers.get(id);
    if (!sub) return [];
    this.subscribers.delete(id);
    this.idle.delete(id);
    if (sub.sent) {
      this.placed.delete(sub.sent.id);
      this.requeue([sub.sent]);
    }
    const held = [...sub.held.values()];
    for (const run of held) {
      this.placed.delete(run.id);
      this.returned.add(run.id);
    }
    return held;
  }

  /**
   * Puts runs back at the front of their keys' retry queues: those the queue does not hold again by now
   * (a subscribe's backlog may have placed one meanwhile) and that were not seen to start.
   */
  requeue(runs: R[]): void {
    for (const run of runs) {
      this.returned.delete(run.id);
      if (this.placed.has(run.id) || this.recentlyStarted(run.id)) continue;
      const q = this.queueOf(run.task_key);
      q.retry.unshift(run);
      this.placed.set(run.id, "queued");
    }
    for (const key of new Set(runs.map((r) => r.task_key))) this.dispatch(key);
  }

  /** The run left Scheduled (a state event arrived): it is no longer this queue's to deliver. */
  started(runId: string): void {
    const where = this.placed.get(runId);
    // Only runs this queue handed out or holds need remembering (every task's events come here).
    if (!where && !this.returned.has(runId)) return;
    this.startedAt.delete(runId);
    this.startedAt.set(runId, this.clock());
    this.forgetStarted();
    if (!where) return;
    this.placed.delete(runId);
    if (where === "queued") {
      for (const q of this.queues.values()) {
        q.retry = q.retry.filter((r) => r.id !== runId);
        q.scheduled = q.scheduled.filter((r) => r.id !== runId);
      }
      return;
    }
    const sub = this.subscribers.get(where);
    sub?.held.delete(runId);
  }

  /** Connected workers, optionally only those serving one of `keys` (/task_workers/filter). */
  workers(keys?: string[]): TaskWorkerInfo[] {
    const byClient = new Map<string, { keys: Set<string>; seen: number }>();
    for (const sub of this.subscribers.values()) {
      if (keys?.length && !sub.keys.some((k) => keys.includes(k))) continue;
      const w = byClient.get(sub.clientId) ?? { keys: new Set<string>(), seen: 0 };
      for (const k of sub.keys) w.keys.add(k);
      w.seen = Math.max(w.seen, sub.seen);
      byClient.set(sub.clientId, w);
    }
    return [...byClient].map(([identifier, w]) => ({
      identifier,
      task_keys: [...w.keys].sort(),
      timestamp: new Date(w.seen).toISOString().replace("Z", "000Z"),
    }));
  }

  /** Runs waiting in memory (for tests and the about page). */
  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.retry.length + q.scheduled.length;
    return n;
  }

  private recentlyStarted(runId: string): boolean {
    const at = this.startedAt.get(runId);
    if (at === undefined) return false;
    if (this.clock() - at < STARTED_MEMORY_MS) return true;
    this.startedAt.delete(runId);
    return false;
  }

  /** Oldest first (Map order is insertion order, and times only grow): amortised O(1) per call. */
  private forgetStarted(): void {
    const cutoff = this.clock() - STARTED_MEMORY_MS;
    for (const [id, at] of this.startedAt) {
      if (at >= cutoff && this.startedAt.size <= MAX_STARTED) break;
      this.startedAt.delete(id);
    }
  }

  private queueOf(key: string): KeyQueue<R> {
    let q = this.queues.get(key);
    if (!q) {
      q = { retry: [], scheduled: [] };
      this.queues.set(key, q);
    }
    return q;
  }

  private take(sub: Subscriber<R>): R | null {
    for (const key of sub.keys) {
      const q = this.queues.get(key);
      if (!q) continue;
      const run = q.retry.shift() ?? q.scheduled.shift();
      if (!q.retry.length && !q.scheduled.length) this.queues.delete(key);
      if (run) return run;
    }
    return null;
  }

  private becomeIdle(sub: Subscriber<R>): void {
    const run = this.take(sub);
    if (run) {
      this.sendTo(sub, run);
      return;
    }
    this.idle.add(sub.id);
    const dry = sub.keys.filter((k) => this.overflowed.has(k));
    if (!dry.length) return;
    for (const k of dry) this.overflowed.delete(k);
    this.hungry?.(dry);
  }

  /** The database holds more waiting runs of this key than were read (a backlog page was full). */
  markOverflowed(key: string): void {
    this.overflowed.add(key);
  }

  private sendTo(sub: Subscriber<R>, run: R): void {
    this.idle.delete(sub.id);
    sub.sent = run;
    this.placed.set(run.id, sub.id);
    sub.send(run);
  }

  /** Hands the key's queued runs to its idle workers, longest idle first. */
  private dispatch(key: string): void {
    for (const id of [...this.idle]) {
      const sub = this.subscribers.get(id);
      if (!sub?.keys.includes(key)) continue;
      const run = this.take(sub);
      if (!run) return;
      this.sendTo(sub, run);
    }
  }
}
