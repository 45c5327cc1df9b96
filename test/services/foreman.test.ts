// The Foreman on SQLite and PostgreSQL: a deployment polled by a runner is READY; once nothing has polled
// it for the timeout it becomes NOT_READY with a prefect.deployment.not-ready event, once; the next poll
// makes it READY again. Workers silent for the multiple of their interval go OFFLINE, their pool
// NOT_READY and unpolled queues NOT_READY, each with its status event; a heartbeat wakes the pool.
import { afterAll, describe, expect, test } from "bun:test";
import type { ReceivedEvent } from "../../src/events/bus.ts";
import { baseConfig, testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

for (const dialect of DIALECTS) {
  describe(`Foreman (${dialect.name})`, () => {
    let close = async () => {};
    afterAll(() => close());

    test("unpolled READY deployments become NOT_READY, once; a poll makes them READY again", async () => {
      const t = await testApp(
        {
          services: {
            ...baseConfig.services,
            foreman: { ...baseConfig.services.foreman, deploymentLastPolledTimeoutSeconds: 1 },
          },
        },
        await dialect.url(),
      );
      close = t.close;
      const events: ReceivedEvent[] = [];
      t.app.bus.subscribe((batch) => events.push(...batch.filter((e) => e.event.startsWith("prefect.deployment."))));
      const post = async (path: string, json: unknown) => {
        const r = await t.call(path, { method: "POST", json });
        return r.status === 204 ? null : r.json();
      };
      const flow = (await post("/api/flows/", { name: "watched" })) as { id: string };
      const polled = (await post("/api/deployments/", { flow_id: flow.id, name: "polled" })) as { id: string };
      const never = (await post("/api/deployments/", { flow_id: flow.id, name: "never" })) as { id: string };
      const status = async (id: string) => ((await (await t.call(`/api/deployments/${id}`)).json()) as any).status;
      const poll = () => post("/api/deployments/get_scheduled_flow_runs", { deployment_ids: [polled.id] });

      await poll();
      expect(await status(polled.id)).toBe("READY");
      await t.app.services.foreman.runOnce();
      expect(await status(polled.id)).toBe("READY");

      await Bun.sleep(1100);
      await t.app.services.foreman.runOnce();
      expect(await status(polled.id)).toBe("NOT_READY");
      // Never polled: it stays NOT_READY without an event.
      expect(await status(never.id)).toBe("NOT_READY");
      await t.app.services.foreman.runOnce();
      const notReady = events.filter((e) => e.event === "prefect.deployment.not-ready");
      expect(notReady.map((e) => e.resource["prefect.resource.id"])).toEqual([`prefect.deployment.${polled.id}`]);
      expect(t.app.services.foreman.status().detail).toBe(
        "0 worker(s) offline, 0 pool(s), 0 queue(s) and 0 deployment(s) not ready",
      );

      await poll();
      expect(await status(polled.id)).toBe("READY");
      expect(events.filter((e) => e.event === "prefect.deployment.ready").length).toBe(2);
    });

    test("a worker beating every second stays ONLINE past 3 s; beats well within it are not written", async () => {
      const t = await testApp({}, await dialect.url());
      const previous = close;
      close = async () => {
        await previous();
        await t.close();
      };
      const post = (path: string, json: unknown) => t.call(path, { method: "POST", json });
      const beat = () => post("/api/work_pools/beaten/workers/heartbeat", { name: "w", heartbeat_interval_seconds: 1 });
      const worker = async () =>
        ((await (await post("/api/work_pools/beaten/workers/filter", {})).json()) as any[])[0] as {
          status: string;
          last_heartbeat_time: string;
        };
      await post("/api/work_pools/", { name: "beaten", type: "process" });
      await beat();
      const first = (await worker()).last_heartbeat_time;
      await beat(); // at once: nothing to write
      expect((await worker()).last_heartbeat_time).toBe(first);
      for (let i = 0; i < 4; i++) {
        await Bun.sleep(1000);
        await beat();
      }
      // The default multiple of 3: 3 s of silence. The stored beat is at most 1.5 s old.
      await t.app.services.foreman.runOnce();
      expect((await worker()).status).toBe("ONLINE");
      expect(Date.now() - Date.parse((await worker()).last_heartbeat_time)).toBeLessThan(1600);
    });

    test("silent workers go OFFLINE; their pool and its unpolled queues NOT_READY; a heartbeat wakes it", async () => {
      const foreman = {
        inactivityHeartbeatMultiple: 1,
        fallbackHeartbeatIntervalSeconds: 30,
        deploymentLastPolledTimeoutSeconds: 60,
        workQueueLastPolledTimeoutSeconds: 1,
      };
      const t = await testApp({ services: { ...baseConfig.services, foreman } }, await dialect.url());
      const previous = close;
      close = async () => {
        await previous();
        await t.close();
      };
      const events: ReceivedEvent[] = [];
      t.app.bus.subscribe((batch) => events.push(...batch.filter((e) => e.event.startsWith("prefect.work-"))));
      const post = (path: string, json: unknown) => t.call(path, { method: "POST", json });
      const get = async (path: string) => (await (await t.call(path)).json()) as any;
      const pool = (await (await post("/api/work_pools/", { name: "watched", type: "process" })).json()) as any;
      await post("/api/work_pools/watched/workers/heartbeat", { name: "quick", heartbeat_interval_seconds: 1 });
      await post("/api/work_pools/watched/workers/heartbeat", { name: "slow" });
      await post("/api/work_pools/watched/get_scheduled_flow_runs", {});
      expect((await get("/api/work_pools/watched")).status).toBe("READY");

      await Bun.sleep(1100);
      await t.app.services.foreman.runOnce();
      const workers = async () =>
        ((await (await post("/api/work_pools/watched/workers/filter", {})).json()) as any[])
          .map((w) => [w.name, w.status])
          .sort();
      // quick: 1.1 s > 1 × 1 s; slow: the 30 s fallback keeps it ONLINE, so the pool stays READY.
      expect(await workers()).toEqual([
        ["quick", "OFFLINE"],
        ["slow", "ONLINE"],
      ]);
      expect((await get("/api/work_pools/watched")).status).toBe("READY");
      // Its default queue was polled more than a second ago.
      expect((await get(`/api/work_queues/${pool.default_queue_id}`)).status).toBe("NOT_READY");
      expect(t.app.services.foreman.status().detail).toBe(
        "1 worker(s) offline, 0 pool(s), 1 queue(s) and 0 deployment(s) not ready",
      );

      await t.call("/api/work_pools/watched/workers/slow", { method: "DELETE" });
      await t.app.services.foreman.runOnce();
      expect((await get("/api/work_pools/watched")).status).toBe("NOT_READY");
      await t.app.services.foreman.runOnce();
      await post("/api/work_pools/watched/workers/heartbeat", { name: "quick" });
      expect((await get("/api/work_pools/watched")).status).toBe("READY");
      expect(await workers()).toEqual([["quick", "ONLINE"]]);
      const pools = events.filter((e) => e.resource["prefect.resource.id"] === `prefect.work-pool.${pool.id}`);
      expect(pools.map((e) => e.event)).toEqual([
        "prefect.work-pool.created",
        "prefect.work-pool.not-ready",
        "prefect.work-pool.ready",
        "prefect.work-pool.not-ready",
        "prefect.work-pool.ready",
      ]);
      expect(pools[3]!.follows).toBe(pools[2]!.id);
      const queue = events.filter(
        (e) => e.resource["prefect.resource.id"] === `prefect.work-queue.${pool.default_queue_id}`,
      );
      expect(queue.map((e) => e.event)).toEqual([
        "prefect.work-queue.created",
        "prefect.work-queue.ready",
        "prefect.work-queue.not-ready",
      ]);
      expect(queue[2]!.related[0]).toMatchObject({ "prefect.resource.id": `prefect.work-pool.${pool.id}` });
    });
  });
}
