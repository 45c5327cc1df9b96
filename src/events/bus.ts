// One in-process event bus. Everything that produces events (the /events/in websocket, POST /events,
// flow-run state transitions) publishes here; everything that consumes them (the persister, the
// task-run recorder, /events/out subscribers, dashboard live regions) subscribes. With several servers on
// PostgreSQL this becomes LISTEN/NOTIFY behind the same interface.
import { log } from "../core/logger.ts";

/** Prefect's ReceivedEvent: the client Event plus the time the server received it. */
export interface ReceivedEvent {
  id: string;
  occurred: string; // normalised timestamp
  event: string;
  resource: Record<string, string>;
  related: Array<Record<string, string>>;
  payload: Record<string, unknown>;
  follows: string | null;
  received: string; // normalised timestamp
}

export type Listener = (events: ReceivedEvent[]) => void;

export class EventBus {
  private listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers synchronously; a failing listener is logged and does not stop the others. */
  publish(events: ReceivedEvent[]): void {
    if (!events.length) return;
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (e) {
        log.error("event listener failed", e);
      }
    }
  }
}
