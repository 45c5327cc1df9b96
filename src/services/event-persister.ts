// The event persister: every event on the bus is written to `events` (deduplicated by id) in batches,
// so /events/filter, count-by and the /events/out backfill can read it. Prefect runs the same thing as
// its EventPersister service.
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import type { EventsStore } from "../store/events.ts";
import { Batcher, BatchingSubscriber } from "./batcher.ts";

export interface PersisterOptions {
  maxBatch?: number;
  intervalMs?: number;
}

export class EventPersister extends BatchingSubscriber {
  /** Events to write soon rather than at the interval (the automations' triggers set it). */
  set urgent(fn: ((e: ReceivedEvent) => boolean) | null) {
    this.batcher.urgent = fn;
  }
  get urgent(): ((e: ReceivedEvent) => boolean) | null {
    return this.batcher.urgent;
  }

  constructor(bus: EventBus, events: EventsStore, opts: PersisterOptions = {}) {
    super(
      bus,
      new Batcher({
        name: "event persister",
        // Short enough that a client reading right after emitting usually finds its events stored.
        maxBatch: opts.maxBatch ?? 200,
        intervalMs: opts.intervalMs ?? 250,
        // An event an automation waits for is written within 10 ms, so its notification does not sit
        // out the interval (p50 150 ms in test/bench/automations.ts before); others keep batching.
        urgentMs: 10,
        write: async (batch) => void (await events.write(batch)),
        describe: (e) => `event ${e.id} (${e.event})`,
      }),
    );
  }
}
