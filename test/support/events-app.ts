// A small app around the logs/events module, composed the way createApp composes the API (errors first,
// the JSON transport inside the /api group), over a real database. Used until the module is wired into
// createApp, and for WebSocket tests on a real listener.
import { Elysia } from "elysia";
import { sql } from "drizzle-orm";
import { errors } from "../../src/api/errors.ts";
import { eventsModule } from "../../src/api/events-module.ts";
import { jsonTransport } from "../../src/api/transport.ts";
import { createDriver, exec } from "../../src/db/driver.ts";
import { migrateToHead } from "../../src/db/migrator.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { EventBus, type ReceivedEvent } from "../../src/events/bus.ts";

export async function eventsApp(url: string, opts: { authString?: string | null } = {}) {
  const db = await openDatabase(parseDatabaseUrl(url));
  await migrateToHead(db);
  const driver = createDriver(db);
  const bus = new EventBus();
  const mod = eventsModule({
    driver,
    bus,
    authString: opts.authString ?? null,
    maxLimit: 200,
    recorder: { retryDelayMs: 20, maxAttempts: 3 },
  });
  mod.start();
  const app = new Elysia().use(errors).use(new Elysia({ name: "api", prefix: "/api" }).use(jsonTransport).use(mod.api));
  const call = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set("content-type", "application/json");
    return app.handle(
      new Request(`http://localhost${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      }),
    );
  };
  let listening = false;
  return {
    app,
    db,
    driver,
    bus,
    mod,
    call,
    /** Starts a real listener (WebSockets need one); returns its ws:// base. */
    listen(): string {
      app.listen({ hostname: "127.0.0.1", port: 0 });
      listening = true;
      return `ws://127.0.0.1:${app.server!.port}`;
    },
    async close() {
      if (listening) await app.stop(true);
      await mod.stop();
      await db.close();
    },
  };
}

export type EventsApp = Awaited<ReturnType<typeof eventsApp>>;

const NOW = "2026-01-01T00:00:00.000000Z";

/** A flow and a flow run, written directly (the flow-run store is someone else's), for the recorder's FK. */
export async function seedFlowRun(
  driver: ReturnType<typeof createDriver>,
  flowRunId = Bun.randomUUIDv7(),
): Promise<string> {
  const flowId = Bun.randomUUIDv7();
  await driver.tx(function* () {
    yield* exec(
      sql`INSERT INTO flow (id, created, updated, name) VALUES (${flowId}, ${NOW}, ${NOW}, ${`f-${flowId}`})`,
    );
    yield* exec(
      sql`INSERT INTO flow_run (id, created, updated, name, flow_id) VALUES (${flowRunId}, ${NOW}, ${NOW}, 'run', ${flowId})`,
    );
  });
  return flowRunId;
}

/** A client event as the SDK sends it. */
export function clientEvent(over: Partial<ReceivedEvent> & { event?: string } = {}) {
  return {
    occurred: over.occurred ?? new Date().toISOString(),
    event: over.event ?? "prefect.flow-run.Running",
    resource: over.resource ?? { "prefect.resource.id": `prefect.flow-run.${Bun.randomUUIDv7()}` },
    related: over.related ?? [],
    payload: over.payload ?? {},
    id: over.id ?? Bun.randomUUIDv7(),
    follows: over.follows ?? null,
  };
}

/** A `prefect.task-run.<State>` event shaped like the 3.9.1 SDK's (notes §4.6). */
export function taskRunEvent(o: {
  taskRunId: string;
  flowRunId?: string | null;
  type: string;
  name: string;
  occurred: string;
  taskKey?: string;
  dynamicKey?: string;
  id?: string;
  runCount?: number;
}) {
  const related = o.flowRunId
    ? [
        {
          "prefect.resource.id": `prefect.flow-run.${o.flowRunId}`,
          "prefect.resource.role": "flow-run",
          "prefect.resource.name": "run",
        },
      ]
    : [];
  return {
    id: o.id ?? Bun.randomUUIDv7(),
    occurred: o.occurred,
    event: `prefect.task-run.${o.name}`,
    resource: {
      "prefect.resource.id": `prefect.task-run.${o.taskRunId}`,
      "prefect.resource.name": "t-6b6",
      "prefect.state-name": o.name,
      "prefect.state-type": o.type,
      "prefect.orchestration": "client",
    },
    related,
    payload: {
      intended: { from: null, to: o.type },
      initial_state: null,
      validated_state: { type: o.type, name: o.name, message: "", state_details: {}, data: null },
      task_run: {
        name: "t-6b6",
        task_key: o.taskKey ?? "t-ba75454b",
        dynamic_key: o.dynamicKey ?? "6b63b44e",
        empirical_policy: { max_retries: 0, retry_delay_seconds: 0.0, retries: 0, retry_delay: 0 },
        tags: ["a"],
        labels: {},
        task_inputs: { x: [] },
        run_count: o.runCount ?? (o.type === "PENDING" ? 0 : 1),
        flow_run_run_count: 1,
        expected_start_time: "2026-01-01T00:00:00.000000Z",
        ...(o.type !== "PENDING" ? { start_time: "2026-01-01T00:00:01.000000Z" } : {}),
        ...(o.type === "COMPLETED" ? { end_time: o.occurred } : {}),
        total_run_time: o.type === "COMPLETED" ? 0.5 : 0,
      },
    },
    follows: null,
  };
}
