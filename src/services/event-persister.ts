// The event persister: every event on the bus is written to `events` (deduplicated by id) in batches,
// so /events/filter, count-by and the /events/out backfill can read it. Prefect runs the same thing as
// its EventPersister service.
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import type { EventsStore } from "../store/events.ts";
import { Batcher } from "./batcher.ts";

export interface PersisterOptions {
  maxBatch?: number;
  intervalMs?: number;
}

export class EventPersister {
  private readonly batcher: Batcher<ReceivedEvent>;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    events: EventsStore,
    opts: PersisterOptions = {},
  ) {
    this.batcher = new Batcher({
      name: "event persister",
      // Short enough that a client reading right after emitting usually finds its events stored.
      maxBatch: opts.maxBatch ?? 200,
      intervalMs: opts.intervalMs ?? 250,
      write: async (batch) => void (await events.write(batch)),
      describe: (e) => `event ${e.id} (${e.event})`,
    });
  }

  start(): void {
    this.unsubscribe ??= this.bus.subscribe((events) => this.batcher.add(events));
  }

  get pending(): number {
    return this.batcher.pending;
  }

  /** Writes everything received so far. */
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
