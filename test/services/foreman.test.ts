// The Foreman's deployment part on SQLite and PostgreSQL: a deployment polled by a runner is READY; once
// nothing has polled it for the timeout it becomes NOT_READY with a prefect.deployment.not-ready event,
// once; the next poll makes it READY again with a prefect.deployment.ready event.
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
  });
}
