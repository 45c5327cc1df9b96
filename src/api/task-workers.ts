// Background task workers (`prefect task serve`, serve(task)): the /task_runs/subscriptions/scheduled
// socket that hands them task runs made with task.delay(), and POST /task_workers/filter. Prefect's
// protocol: the `prefect` handshake (prefect-socket.ts), then {"type":"subscribe","keys":[…],
// "client_id":…}; the server sends one task run (its full JSON) and waits for {"type":"ack"} before the
// next; "quit" closes; anything else is a protocol violation, closed with 4001 as Prefect does.
// orchestration/task-queue.ts decides who gets which run; runs still Scheduled in the database are read
// back when a worker subscribes, so none is lost with a server restart.
import { Elysia, t } from "elysia";
import { errorText, log } from "../core/logger.ts";
import type { TaskQueue } from "../orchestration/task-queue.ts";
import type { TaskRunJson } from "../store/run-shapes.ts";
import type { TaskRunsStore } from "../store/task-runs.ts";
import { asObject, prefectSockets, type Socket } from "./prefect-socket.ts";

const PROTOCOL_VIOLATION = 4001;
/** How many waiting runs a subscribe reads back from the database at most. */
const BACKLOG = 1000;
const MAX_KEYS = 1000;

export function taskWorkersApi(deps: {
  taskQueue: TaskQueue<TaskRunJson>;
  taskRuns: TaskRunsStore;
  authString: string | null;
}) {
  const { taskQueue, taskRuns, authString } = deps;
  const { conns, handlers } = prefectSockets(authString);
  const violation = (ws: Socket, reason: string) => {
    const conn = conns.get(ws.id);
    if (conn) conn.closed = true;
    ws.close(PROTOCOL_VIOLATION, `Protocol violation: ${reason}`);
  };

  /**
   * Runs waiting in the database that this process does not hold yet. A full page marks its keys, so
   * the next page is read when their workers run dry (task-queue.ts).
   */
  async function backlog(keys: string[]) {
    const waiting = await taskRuns.waitingForWorkers(keys, BACKLOG);
    for (const run of waiting) taskQueue.push(run);
    if (waiting.length < BACKLOG) return;
    for (const k of keys) taskQueue.markOverflowed(k);
  }
  taskQueue.hungry = (keys) => {
    backlog(keys).catch((e) => log.error(`reading waiting task runs failed: ${errorText(e)}`));
  };

  function subscribe(ws: Socket, message: Record<string, unknown> | null) {
    const conn = conns.get(ws.id)!;
    if (message?.type !== "subscribe") return violation(ws, "expected 'subscribe' message");
    const keys = message.keys;
    if (!Array.isArray(keys) || !keys.length) return violation(ws, "expected 'keys' in subscribe message");
    if (keys.length > MAX_KEYS || !keys.every((k) => typeof k === "string" && k.length <= 4096))
      return violation(ws, "'keys' must be a list of task keys");
    const clientId = message.client_id;
    if (typeof clientId !== "string" || !clientId) return violation(ws, "expected 'client_id' in subscribe message");
    conn.stage = "open";
    log.info(`Task worker '${clientId}' subscribed to task keys ${JSON.stringify(keys)}`);
    const send = (run: TaskRunJson) => {
      if (!conn.closed) ws.send(JSON.stringify(run));
    };
    backlog(keys as string[])
      .catch((e) => log.error(`reading waiting task runs failed: ${errorText(e)}`))
      .finally(() => {
        if (!conn.closed) taskQueue.subscribe(ws.id, clientId, keys as string[], send);
      });
    conn.unsubscribe = () => {
      const held = taskQueue.drop(ws.id);
      if (!held.length) return;
      // Acknowledged but never started: back to the queue, if the database still says they wait.
      const ids = held.map((r) => r.id);
      const keysHeld = [...new Set(held.map((r) => r.task_key))];
      taskRuns
        .waitingForWorkers(keysHeld, ids.length, ids)
        .then((waiting) => taskQueue.requeue(waiting))
        .catch((e) => log.error(`re-queueing a task worker's runs failed: ${errorText(e)}`));
    };
  }

  return new Elysia({ name: "api.task-workers" })
    .ws(
      "/task_runs/subscriptions/scheduled",
      handlers("filter", (ws, conn, message) => {
        const m = asObject(message);
        if (conn.stage === "filter") return subscribe(ws, m);
        if (m?.type === "ack") return taskQueue.ack(ws.id);
        if (m?.type === "quit") {
          conn.closed = true;
          return ws.close(1000);
        }
        violation(ws, "expected 'ack' message");
      }),
    )
    .post("/task_workers/filter", ({ body }) => taskQueue.workers(body?.task_worker_filter?.task_keys ?? undefined), {
      body: t.Optional(
        t.Union([
          t.Null(),
          t.Object({
            task_worker_filter: t.Optional(
              t.Union([t.Null(), t.Object({ task_keys: t.Array(t.String(), { maxItems: MAX_KEYS }) })]),
            ),
          }),
        ]),
      ),
    });
}
