// The scheduler services on SQLite and PostgreSQL, driven through runOnce(): Prefect's rules for how many
// runs a schedule gets, the shape of those runs, idempotency across passes and restarts, paused
// deployments and inactive schedules, replacing future runs when a schedule changes (never a run that
// started), and passes bounded by the settings (a 1-second interval, hundreds of schedules).
import { afterAll, describe, expect, test } from "bun:test";
import { diffSeconds } from "../../src/core/time.ts";
import type { SchedulerConfig } from "../../src/settings/server-config.ts";
import { DIALECTS } from "../support/databases.ts";
import { baseConfig, testApp } from "../support/app.ts";

type T = Awaited<ReturnType<typeof testApp>>;

const withScheduler = (over: Partial<SchedulerConfig>) => ({
  services: { ...baseConfig.services, scheduler: { ...baseConfig.services.scheduler, ...over } },
});

async function json(r: Response) {
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function deployment(t: T, body: Record<string, unknown>, flowName = "sched-flow") {
  const flow = await json(await t.call("/api/flows/", { method: "POST", json: { name: flowName } }));
  return json(await t.call("/api/deployments/", { method: "POST", json: { flow_id: flow.id, ...body } }));
}

async function runsOf(t: T, deploymentId: string) {
  const runs = await json(
    await t.call("/api/flow_runs/filter", {
      method: "POST",
      json: { deployments: { id: { any_: [deploymentId] } }, sort: "EXPECTED_START_TIME_ASC" },
    }),
  );
  return runs as Array<Record<string, any>>;
}

for (const dialect of DIALECTS) {
  describe(`scheduler (${dialect.name})`, () => {
    const open: T[] = [];
    const app = async (over: Partial<SchedulerConfig> = {}, url?: string) => {
      const t = await testApp(withScheduler(over), url ?? (await dialect.url()));
      open.push(t);
      return t;
    };
    afterAll(async () => {
      for (const t of open) await t.close().catch(() => {});
    });

    test("a pass makes Prefect's runs: at least min_runs, an hour ahead, at most max_runs", async () => {
      const t = await app();
      const hourly = await deployment(t, {
        name: "hourly",
        tags: ["etl"],
        parameters: { a: 1, b: 2 },
        schedules: [{ schedule: { interval: 3600 }, parameters: { b: 3 }, slug: "every-hour" }],
      });
      const minutely = await deployment(t, { name: "minutely", schedules: [{ schedule: { interval: 60 } }] });
      const secondly = await deployment(t, { name: "secondly", schedules: [{ schedule: { interval: 1 } }] });
      await t.app.services.scheduler.runOnce();

      const h = await runsOf(t, hourly.id);
      expect(h.length).toBe(3);
      // 61 minutely runs reach an hour ahead; a 1-second interval stops at max_runs.
      expect((await runsOf(t, minutely.id)).length).toBe(61);
      expect((await runsOf(t, secondly.id)).length).toBe(100);

      const run = h[0];
      const schedule = hourly.schedules[0];
      expect(run.state.type).toBe("SCHEDULED");
      expect(run.state.name).toBe("Scheduled");
      expect(run.state.message).toBe("Flow run scheduled");
      expect(run.state.state_details.scheduled_time).toBe(run.expected_start_time);
      expect(run.next_scheduled_start_time).toBe(run.expected_start_time);
      expect(run.auto_scheduled).toBe(true);
      expect(run.tags).toEqual(["auto-scheduled", "etl"]);
      expect(run.parameters).toEqual({ a: 1, b: 3 });
      expect(run.created_by).toEqual({ id: schedule.id, display_value: "every-hour", type: "SCHEDULE" });
      expect(run.idempotency_key).toBe(`scheduled ${hourly.id} ${schedule.id} ${run.expected_start_time}`);
      expect(run.labels["prefect.deployment.id"]).toBe(hourly.id);
      expect(run.deployment_id).toBe(hourly.id);
      // Spaced by the interval, all in the future.
      for (let i = 1; i < h.length; i++)
        expect(diffSeconds(h[i].expected_start_time, h[i - 1].expected_start_time)).toBe(3600);
    });

    test("a second pass, and a restarted server, insert nothing", async () => {
      const url = await dialect.url();
      const file = dialect.name === "sqlite" ? `sqlite:///${require("node:os").tmpdir()}/sched-${Date.now()}.db` : url;
      const t = await app({}, file);
      const d = await deployment(t, {
        name: "twice",
        schedules: [
          { schedule: { cron: "*/5 * * * *", timezone: "Europe/Paris" } },
          { schedule: { rrule: "FREQ=HOURLY;INTERVAL=2", timezone: "America/New_York" } },
        ],
      });
      await t.app.services.scheduler.runOnce();
      const first = (await runsOf(t, d.id)).length;
      expect(first).toBeGreaterThan(6);
      expect(t.app.services.scheduler.status().detail).toBe(`${first} run(s) scheduled`);
      await t.app.services.scheduler.runOnce();
      await t.app.services.recentScheduler.runOnce();
      expect(t.app.services.scheduler.status().detail).toBe("0 run(s) scheduled");
      // Scheduling the same dates again on purpose (POST /deployments/{id}/schedule) writes nothing new:
      // each date's run exists under its idempotency key.
      expect((await t.call(`/api/deployments/${d.id}/schedule`, { method: "POST", json: {} })).status).toBe(200);
      expect((await runsOf(t, d.id)).length).toBe(first);
      await t.close();
      open.splice(open.indexOf(t), 1);
      const again = await app({}, file);
      await again.app.services.scheduler.runOnce();
      expect(again.app.services.scheduler.status().detail).toBe("0 run(s) scheduled");
      expect((await runsOf(again, d.id)).length).toBe(first);
    });

    test("a paused deployment or an inactive schedule makes nothing; resuming makes its runs", async () => {
      const t = await app();
      const paused = await deployment(t, {
        name: "paused",
        paused: true,
        schedules: [{ schedule: { interval: 600 } }],
      });
      const inactive = await deployment(t, {
        name: "inactive",
        schedules: [{ schedule: { interval: 600 }, active: false }],
      });
      await t.app.services.scheduler.runOnce();
      expect(await runsOf(t, paused.id)).toEqual([]);
      expect(await runsOf(t, inactive.id)).toEqual([]);
      await json(await t.call(`/api/deployments/${paused.id}/resume_deployment`, { method: "POST" }));
      await t.app.services.recentScheduler.runOnce();
      expect((await runsOf(t, paused.id)).length).toBe(7);
      // Pausing deletes the runs that have not started; the scheduler makes none while paused.
      await json(await t.call(`/api/deployments/${paused.id}/pause_deployment`, { method: "POST" }));
      expect(await runsOf(t, paused.id)).toEqual([]);
      await t.app.services.scheduler.runOnce();
      expect(await runsOf(t, paused.id)).toEqual([]);
    });

    test("changing a schedule replaces its future runs and keeps the ones that started", async () => {
      const t = await app();
      const d = await deployment(t, { name: "changing", schedules: [{ schedule: { interval: 600 }, slug: "s" }] });
      await t.app.services.scheduler.runOnce();
      const before = await runsOf(t, d.id);
      expect(before.length).toBe(7);
      // One run started (a worker took it early); the rest are still waiting.
      const started = before[0];
      await json(
        await t.call(`/api/flow_runs/${started.id}/set_state`, {
          method: "POST",
          json: { state: { type: "PENDING" }, force: true },
        }),
      );
      const patched = await t.call(`/api/deployments/${d.id}`, {
        method: "PATCH",
        json: { schedules: [{ schedule: { interval: 1200 }, slug: "s" }] },
      });
      expect(patched.status).toBe(204);
      const left = await runsOf(t, d.id);
      expect(left.map((r) => r.id)).toEqual([started.id]);
      await t.app.services.recentScheduler.runOnce();
      const after = await runsOf(t, d.id);
      const waiting = after.filter((r) => r.state.type === "SCHEDULED");
      expect(waiting.length).toBe(4);
      for (let i = 1; i < waiting.length; i++)
        expect(diffSeconds(waiting[i].expected_start_time, waiting[i - 1].expected_start_time)).toBe(1200);
      expect(after.some((r) => r.id === started.id)).toBe(true);

      // Deleting the schedule removes its waiting runs, not the started one.
      const sid = (await json(await t.call(`/api/deployments/${d.id}/schedules`)))[0].id;
      expect((await t.call(`/api/deployments/${d.id}/schedules/${sid}`, { method: "DELETE" })).status).toBe(204);
      expect((await runsOf(t, d.id)).map((r) => r.id)).toEqual([started.id]);
    });

    test("max_scheduled_runs caps a schedule; min_runs and batch sizes come from the settings", async () => {
      const t = await app({ minRuns: 5, deploymentBatchSize: 7, insertBatchSize: 13 });
      const capped = await deployment(t, {
        name: "capped",
        schedules: [{ schedule: { interval: 60 }, max_scheduled_runs: 4 }],
      });
      const daily = await deployment(t, { name: "daily", schedules: [{ schedule: { cron: "0 9 * * *" } }] });
      // Many schedules on one deployment: read a batch at a time, inserted a batch at a time.
      const many = await deployment(t, {
        name: "many",
        schedules: Array.from({ length: 150 }, (_, i) => ({ schedule: { interval: 86_400 + i } })),
      });
      await t.app.services.scheduler.runOnce();
      expect((await runsOf(t, capped.id)).length).toBe(4);
      expect((await runsOf(t, daily.id)).length).toBe(5);
      const runs = await json(
        await t.call("/api/flow_runs/count", { method: "POST", json: { deployments: { id: { any_: [many.id] } } } }),
      );
      expect(runs).toBe(150 * 5);
    });

    test("a change made while a pass is under way is never undone by it", async () => {
      const t = await app({ insertBatchSize: 1, deploymentBatchSize: 50 });
      const d = await deployment(t, {
        name: "racing",
        parameters: { x: 1 },
        schedules: Array.from({ length: 300 }, (_, i) => ({ schedule: { interval: 86_400 + i } })),
      });
      const pass = t.app.services.scheduler.runOnce();
      // The pass inserts a run a transaction; the PATCH lands between two of them.
      await Bun.sleep(20);
      const patched = await t.call(`/api/deployments/${d.id}`, { method: "PATCH", json: { parameters: { x: 2 } } });
      expect(patched.status).toBe(204);
      await pass;
      await t.app.services.recentScheduler.runOnce();
      const runs: Array<{ parameters: { x: number } }> = [];
      for (let offset = 0; ; offset += 200) {
        const page = await json(
          await t.call("/api/flow_runs/filter", {
            method: "POST",
            json: { deployments: { id: { any_: [d.id] } }, sort: "EXPECTED_START_TIME_ASC", limit: 200, offset },
          }),
        );
        runs.push(...page);
        if (page.length < 200) break;
      }
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.filter((r: { parameters: { x: number } }) => r.parameters.x !== 2).length).toBe(0);
      // Deleting it while a pass is under way leaves none of its runs behind either.
      const again = t.app.services.scheduler.runOnce();
      await Bun.sleep(20);
      await json(await t.call(`/api/deployments/${d.id}`, { method: "DELETE" }));
      await again;
      expect(await runsOf(t, d.id)).toEqual([]);
    });

    test("the fast loop schedules only deployments changed in the last few seconds", async () => {
      const t = await app({ recentLoopSeconds: 1 });
      const d = await deployment(t, { name: "recent", schedules: [{ schedule: { interval: 600 } }] });
      await Bun.sleep(2100);
      await t.app.services.recentScheduler.runOnce();
      expect(await runsOf(t, d.id)).toEqual([]);
      await json(await t.call(`/api/deployments/${d.id}`, { method: "PATCH", json: { description: "touched" } }));
      await t.app.services.recentScheduler.runOnce();
      expect((await runsOf(t, d.id)).length).toBe(7);
    });
  });
}

describe.if(DIALECTS.some((d) => d.name === "pg"))("loop services on a shared PostgreSQL", () => {
  test("one server leads, the other stands by, and takes over when the leader stops", async () => {
    const url = await DIALECTS.find((d) => d.name === "pg")!.url();
    const a = await testApp({}, url);
    const b = await testApp({}, url);
    try {
      await a.app.services.scheduler.runOnce();
      expect(a.app.services.scheduler.status().detail).toMatch(/run\(s\) scheduled/);
      await b.app.services.scheduler.runOnce();
      await b.app.services.late.runOnce();
      expect(b.app.services.scheduler.status().detail).toMatch(/^standing by/);
      expect(b.app.services.late.status().detail).toMatch(/^standing by/);
      await a.close();
      await b.app.services.scheduler.runOnce();
      expect(b.app.services.scheduler.status().detail).toMatch(/run\(s\) scheduled/);
    } finally {
      await b.close();
    }
  });
});
