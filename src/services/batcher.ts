// A write-behind queue for bus subscribers that persist what they see (the event persister, the task-run
// recorder). Bus delivery is synchronous and must stay cheap, so listeners only enqueue; writes happen
// in batches — as soon as a batch is full, else `intervalMs` after the first queued item. Writes are
// serialised (one batch at a time, in arrival order). flush() resolves once everything queued so far is
// written, for tests and shutdown.
//
// Failures: a batch that throws is retried item by item, so one bad item cannot sink its neighbours;
// items that fail alone, or that `write` hands back as "not yet" (e.g. a task run whose flow run does
// not exist yet), are retried after `retryDelayMs`, at most `maxAttempts` times, then dropped with a log
// line — as Prefect's consumers do (5 attempts).
import { errorText, log } from "../core/logger.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";

export interface BatcherOptions<T> {
  name: string;
  maxBatch: number;
  intervalMs: number;
  /** Writes a batch; returns the items to try again later. Throwing means "retry every item". */
  write: (batch: T[]) => Promise<T[] | void>;
  maxAttempts?: number;
  retryDelayMs?: number;
  describe?: (item: T) => string;
  /** How soon a batch holding an urgent item (see `urgent`) is written; default intervalMs. */
  urgentMs?: number;
}

type Timer = ReturnType<typeof setTimeout>;

export class Batcher<T> {
  private queue: T[] = [];
  private attempts = new Map<T, number>();
  private timer: Timer | null = null;
  private timerDue = 0;
  private parked = new Map<Timer, T[]>();
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private stopped = false;
  /** The last write failure, until a write succeeds again (for the settings page). */
  lastError: string | null = null;

  /**
   * Items that should not wait the whole interval (the event persister: an event some automation is
   * waiting for, whose notification leaves only once it is stored); set by whoever knows.
   */
  urgent: ((item: T) => boolean) | null = null;

  constructor(private readonly opts: BatcherOptions<T>) {}

  /** Items not written yet: queued, being written, or waiting for a retry. */
  get pending(): number {
    return this.queue.length + this.inFlight + [...this.parked.values()].reduce((n, items) => n + items.length, 0);
  }

  add(items: T[]): void {
    if (!items.length) return;
    if (this.stopped) {
      log.warn(`${this.opts.name}: stopped, ${items.length} item(s) not written`);
      return;
    }
    this.queue.push(...items);
    if (this.queue.length >= this.opts.maxBatch) {
      void this.flush();
      return;
    }
    const urgent = this.opts.urgentMs !== undefined && this.urgent !== null && items.some(this.urgent);
    const delay = urgent ? (this.opts.urgentMs as number) : this.opts.intervalMs;
    if (this.timer && this.timerDue <= performance.now() + delay) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = performance.now() + delay;
    this.timer = setTimeout(() => void this.flush(), delay);
    this.timer.unref?.();
  }

  /** Writes everything queued (not the items waiting for a retry); never rejects. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  /** Stops accepting items, gives parked retries one last try and writes what is queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [timer, items] of this.parked) {
      clearTimeout(timer);
      this.queue.push(...items);
    }
    this.parked.clear();
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight = batch.length;
      try {
        await this.writeBatch(batch);
      } finally {
        this.inFlight = 0;
      }
    }
  }

  private async writeBatch(batch: T[]): Promise<void> {
    let again: T[];
    try {
      again = (await this.opts.write(batch)) ?? [];
      this.lastError = null;
    } catch (e) {
      if (batch.length > 1) {
        for (const item of batch) await this.writeBatch([item]);
        return;
      }
      log.error(`${this.opts.name}: write failed for ${this.describe(batch[0])}`, e);
      this.lastError = errorText(e);
      again = batch;
    }
    const retry = new Set(again);
    for (const item of batch) if (!retry.has(item)) this.attempts.delete(item);
    this.park(again);
  }

  private park(items: T[]): void {
    const keep: T[] = [];
    for (const item of items) {
      const n = (this.attempts.get(item) ?? 0) + 1;
      if (n >= (this.opts.maxAttempts ?? 5) || this.stopped) {
        this.attempts.delete(item);
        log.error(`${this.opts.name}: dropping ${this.describe(item)} after ${n} failed attempt(s)`);
      } else {
        this.attempts.set(item, n);
        keep.push(item);
      }
    }
    if (!keep.length) return;
    const timer: Timer = setTimeout(() => {
      this.parked.delete(timer);
      this.add(keep);
    }, this.opts.retryDelayMs ?? 1000);
    timer.unref?.();
    this.parked.set(timer, keep);
  }

  private describe(item: T): string {
    return this.opts.describe ? this.opts.describe(item) : "an item";
  }
}

/**
 * A bus subscriber that writes what it keeps through a Batcher: the event persister and the task-run
 * recorder. Listening is cheap (an enqueue); `keep` picks the events this writer wants.
 */
export class BatchingSubscriber {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    protected readonly batcher: Batcher<ReceivedEvent>,
    private readonly keep: (events: ReceivedEvent[]) => ReceivedEvent[] = (events) => events,
  ) {}

  start(): void {
    this.unsubscribe ??= this.bus.subscribe((events) => this.batcher.add(this.keep(events)));
  }

  /** Items not written yet: queued, being written, or waiting for a retry. */
  get pending(): number {
    return this.batcher.pending;
  }

  /** Writes everything received so far (items waiting for a retry are not waited for). */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  detail(): string {
    return `${this.batcher.pending} queued`;
  }

  lastError(): string | null {
    return this.batcher.lastError;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.batcher.stop();
  }
}
