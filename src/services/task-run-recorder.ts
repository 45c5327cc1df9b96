// The task-run recorder service (Prefect's TaskRunRecorder): the SDK reports task-run transitions only
// as events, so task runs and their states exist on the server only because this subscriber writes
// them. It keeps `prefect.task-run.*` events whose resource says `prefect.orchestration: client` and
// records them in small, quick batches (the UI shows task runs live, and the SDK sends them late, after
// the flow run has often finished — notes finding 4).
//
// An event naming a flow run that does not exist is retried a few times (a second server may still be
// committing it), then dropped with a log line; that is what Prefect's insert failure + retries amount to.
import type { Driver } from "../db/driver.ts";
import { recordTaskRunEvents } from "../store/task-run-events.ts";
import { Batcher, BatchingSubscriber } from "./batcher.ts";
import type { EventBus, ReceivedEvent } from "../events/bus.ts";
import { log } from "../core/logger.ts";

export interface RecorderOptions {
  maxBatch?: number;
  intervalMs?: number;
  retryDelayMs?: number;
  maxAttempts?: number;
}

/** Prefect's selection (task_run_recorder.py: startswith("prefect.task-run") and orchestration == "client"). */
export const isClientTaskRunEvent = (e: ReceivedEvent): boolean =>
  e.event.startsWith("prefect.task-run") && e.resource["prefect.orchestration"] === "client";

export class TaskRunRecorder extends BatchingSubscriber {
  constructor(bus: EventBus, driver: Driver, opts: RecorderOptions = {}) {
    super(
      bus,
      new Batcher({
        name: "task-run recorder",
        maxBatch: opts.maxBatch ?? 100,
        intervalMs: opts.intervalMs ?? 50,
        retryDelayMs: opts.retryDelayMs ?? 1000,
        maxAttempts: opts.maxAttempts ?? 5,
        write: async (batch) => {
          const outcome = await recordTaskRunEvents(driver, batch);
          for (const { event, reason } of outcome.rejected) {
            log.warn(`task-run recorder: ignoring event ${event.id} (${event.event}): ${reason}`);
          }
          return outcome.deferred;
        },
        describe: (e) => `event ${e.id} (${e.event} for ${e.resource["prefect.resource.id"]})`,
      }),
      (events) => events.filter(isClientTaskRunEvent),
    );
  }
}
