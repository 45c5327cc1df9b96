// Logs and events as one unit for the composition root:
//
//   const events = eventsModule({ driver, bus, authString: config.authString, maxLimit });
//   api.use(events.api);         // inside the /api group: /logs, /events, /events/in, /events/out
//   events.start();              // the persister and the task-run recorder start listening to the bus
//   …
//   await events.stop();         // on shutdown, after the server stops accepting: writes what is queued
//
// `flush()` writes everything received so far without stopping (tests, "read your own writes").
import { Elysia } from "elysia";
import type { Driver } from "../db/driver.ts";
import type { EventBus } from "../events/bus.ts";
import { EventPersister, type PersisterOptions } from "../services/event-persister.ts";
import { TaskRunRecorder, type RecorderOptions } from "../services/task-run-recorder.ts";
import { eventsStore } from "../store/events.ts";
import { logsStore } from "../store/logs.ts";
import { eventsApi } from "./events.ts";
import { eventsWebsockets } from "./events-ws.ts";
import { logsApi } from "./logs.ts";
import { logsWebsocket } from "./logs-ws.ts";
import { LogStream } from "../events/log-stream.ts";

export interface EventsModuleDeps {
  driver: Driver;
  bus: EventBus;
  /** PREFECT_SERVER_API_AUTH_STRING: checked in the WebSocket auth message when set. */
  authString: string | null;
  /** PREFECT_SERVER_API_DEFAULT_LIMIT, for /logs/filter. */
  maxLimit: number;
  persister?: PersisterOptions;
  recorder?: RecorderOptions;
}

export function eventsModule(deps: EventsModuleDeps) {
  const { driver, bus, authString, maxLimit } = deps;
  const stores = { events: eventsStore(driver), logs: logsStore(driver) };
  const logStream = new LogStream();
  const persister = new EventPersister(bus, stores.events, deps.persister);
  const recorder = new TaskRunRecorder(bus, driver, deps.recorder);
  const api = new Elysia({ name: "api.events-module" })
    .use(logsApi({ logs: stores.logs, maxLimit, stream: logStream }))
    .use(logsWebsocket({ logs: logStream, authString }))
    .use(eventsApi({ events: stores.events, bus }))
    .use(eventsWebsockets({ bus, events: stores.events, authString }));
  return {
    api,
    stores,
    services: { persister, recorder },
    start(): void {
      persister.start();
      recorder.start();
    },
    async flush(): Promise<void> {
      await Promise.all([persister.flush(), recorder.flush()]);
    },
    async stop(): Promise<void> {
      await Promise.all([persister.stop(), recorder.stop()]);
    },
  };
}

export type EventsModule = ReturnType<typeof eventsModule>;
