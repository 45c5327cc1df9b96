// The service runtime itself: a loop that throws keeps its schedule and shows its error, a slow loop
// never stacks runs, runOnce() joins a run under way, stop() waits for it; and a real failure (the
// table a service reads is gone) reaches the settings page and clears once the service recovers.
import { describe, expect, test } from "bun:test";
import { setLogSink } from "../../src/core/logger.ts";
import { LoopService } from "../../src/services/service.ts";
import { testApp } from "../support/app.ts";

const info = { name: "TestLoop", description: "a loop under test", settingKey: null, enabled: true };

describe("LoopService", () => {
  test("a run that throws logs once per distinct error, keeps its schedule, and records the error", async () => {
    const lines: string[] = [];
    setLogSink((l) => void lines.push(l));
    let n = 0;
    const svc = new LoopService({
      ...info,
      loopSeconds: 0.02,
      runOnce: async () => {
        n++;
        if (n <= 3) throw new Error("database is away");
        return `run ${n}`;
      },
    });
    try {
      svc.start();
      for (let i = 0; i < 100 && n < 5; i++) await Bun.sleep(10);
      await svc.stop();
    } finally {
      setLogSink(null);
    }
    const s = svc.status();
    expect(n).toBeGreaterThanOrEqual(5);
    expect(s.failures).toBe(3);
    expect(s.lastError).toBeNull();
    expect(s.detail).toMatch(/^run \d+$/);
    // Three identical failures, one line.
    expect(lines.filter((l) => l.includes("database is away")).length).toBe(1);
    expect(lines.some((l) => l.includes("ERROR") && l.includes("TestLoop failed"))).toBe(true);
  });

  test("a slow run never overlaps the next; runOnce during a run joins it; stop waits for it", async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const svc = new LoopService({
      ...info,
      loopSeconds: 0.001,
      runOnce: async () => {
        active++;
        most = Math.max(most, active);
        await Bun.sleep(30);
        runs++;
        active--;
      },
    });
    svc.start();
    await Bun.sleep(5);
    const joined = svc.runOnce();
    await joined;
    expect(runs).toBe(1);
    await Bun.sleep(100);
    await svc.stop();
    expect(active).toBe(0);
    expect(most).toBe(1);
    const after = runs;
    await Bun.sleep(60);
    expect(runs).toBe(after);
  });

  test("a disabled service does not start; runOnce still works for tests", async () => {
    let runs = 0;
    const svc = new LoopService({ ...info, enabled: false, loopSeconds: 0.001, runOnce: async () => void runs++ });
    svc.start();
    await Bun.sleep(20);
    expect(runs).toBe(0);
    expect(svc.status()).toMatchObject({ enabled: false, running: false });
    await svc.runOnce();
    expect(runs).toBe(1);
  });

  test("runOnce rejects with the run's error, so a caller sees it", async () => {
    const svc = new LoopService({ ...info, loopSeconds: 1, runOnce: async () => Promise.reject(new Error("boom")) });
    setLogSink(() => {});
    try {
      await expect(svc.runOnce()).rejects.toThrow("boom");
    } finally {
      setLogSink(null);
    }
    expect(svc.status()).toMatchObject({ failures: 1, lastError: "boom", runs: 1 });
  });
});

describe("a service failing on real data", () => {
  test("shows its error on the settings page and clears it when the database is whole again", async () => {
    const t = await testApp();
    if (t.db.dialect !== "sqlite") throw new Error("expected SQLite");
    setLogSink(() => {});
    try {
      t.db.raw.exec("ALTER TABLE flow_run RENAME TO flow_run_away");
      await expect(t.app.services.late.runOnce()).rejects.toThrow();
      const page = await (await t.call("/settings")).text();
      const row = page.slice(
        page.indexOf('data-service="MarkLateRuns"'),
        page.indexOf("</tr>", page.indexOf('data-service="MarkLateRuns"')),
      );
      expect(row).toContain(
        '<td class="service-error"><span class="error-text">SQLiteError: no such table: flow_run</span>',
      );
      expect(row).toContain('<td class="service-state">stopped</td>');
      t.db.raw.exec("ALTER TABLE flow_run_away RENAME TO flow_run");
      await t.app.services.late.runOnce();
      const again = await (await t.call("/settings")).text();
      const row2 = again.slice(
        again.indexOf('data-service="MarkLateRuns"'),
        again.indexOf("</tr>", again.indexOf('data-service="MarkLateRuns"')),
      );
      expect(row2).not.toContain("no such table");
    } finally {
      setLogSink(null);
      await t.close();
    }
  });
});
