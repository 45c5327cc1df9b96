// The dashboard's window counts (per-hour counts kept by triggers; on PostgreSQL as deltas, folded) and
// the runs list's keyset pages, checked against the plain filter queries on both databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addSeconds, nowTimestamp } from "../../src/orchestration/index.ts";
import { decodeCursor, RUN_SORTS } from "../../src/ui/list-query.ts";
import type { Cursor } from "../../src/store/run-list.ts";
import { DIALECTS } from "../support/databases.ts";
import { testApp } from "../support/app.ts";

type T = Awaited<ReturnType<typeof testApp>>;

async function exec(t: T, q: string, params: unknown[] = []) {
  if (t.db.dialect === "sqlite") return t.db.raw.query(q).all(...(params as never[]));
  return [
    ...(await t.db.sql.unsafe(
      q.replace(
        /\?/g,
        (() => {
          let i = 0;
          return () => `$${++i}`;
        })(),
      ),
      params as never[],
    )),
  ];
}

describe.each(DIALECTS)("dashboard and runs list on $name", ({ url }) => {
  let t: T;
  let flowId: string;
  const now = nowTimestamp();
  const ids: string[] = [];

  async function run(name: string, state: Record<string, unknown>, offsetS: number) {
    const r = await (
      await t.call("/api/flow_runs/", { method: "POST", json: { flow_id: flowId, name, state } })
    ).json();
    // Place the run in time directly (as an old or imported run would be): the triggers see an UPDATE.
    await exec(t, "UPDATE flow_run SET expected_start_time = ? WHERE id = ?", [addSeconds(now, offsetS), r.id]);
    ids.push(r.id);
    return r.id as string;
  }

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await (await t.call("/api/flows/", { method: "POST", json: { name: "dash" } })).json()).id;
    const states = [
      { type: "COMPLETED" },
      { type: "FAILED" },
      { type: "RUNNING" },
      { type: "SCHEDULED", name: "Late" },
      { type: "CANCELLED" },
    ];
    // 40 runs from 12 days ago to 2 hours ahead, at uneven steps; some share a name (ties go by id).
    for (let i = 0; i < 40; i++) {
      const offset = -12 * 86400 + ((i * 293_003) % (12 * 86400 + 7200));
      await run(i % 7 === 0 ? "same-name" : `run-${String(i).padStart(2, "0")}`, states[i % states.length], offset);
    }
    // One with no expected start time at all.
    const r = await (
      await t.call("/api/flow_runs/", {
        method: "POST",
        json: { flow_id: flowId, name: "never", state: { type: "PENDING" } },
      })
    ).json();
    await exec(t, "UPDATE flow_run SET expected_start_time = NULL WHERE id = ?", [r.id]);
    ids.push(r.id);
    // A few task runs in and out of the windows.
    for (let i = 0; i < 6; i++) {
      const tr = await (
        await t.call("/api/task_runs/", {
          method: "POST",
          json: {
            flow_run_id: ids[i],
            task_key: "k",
            dynamic_key: String(i),
            state: { type: i % 2 ? "FAILED" : "COMPLETED" },
          },
        })
      ).json();
      await exec(t, "UPDATE task_run SET expected_start_time = ? WHERE id = ?", [
        addSeconds(now, -i * 2 * 86400 - 1800),
        tr.id,
      ]);
    }
  });
  afterAll(() => t?.close());

  const sortCounts = (cs: Array<{ state_type: string | null; state_name?: string | null; count: number }>) =>
    cs.map((c) => `${c.state_type}/${c.state_name ?? ""}=${Number(c.count)}`).sort();

  async function checkWindows() {
    const stores = t.app.stores as any;
    for (const back of [3600, 86400, 7 * 86400, 30 * 86400, null]) {
      const start = back === null ? null : addSeconds(nowTimestamp(), -back);
      const historyEnd = nowTimestamp();
      const historyStart = start ?? addSeconds(historyEnd, -30 * 86400);
      const s = await stores.dashboard.summary({ start, historyStart, historyEnd });
      const window = start ? { expected_start_time: { after_: start } } : {};
      const expected = await stores.flowRuns.countByState({ flow_runs: window });
      expect({ back, counts: sortCounts(s.counts) }).toEqual({ back, counts: sortCounts(expected) });
      expect(s.total).toBe(await stores.flowRuns.count({ flow_runs: window }));
      // The data spreads over 12 days, so every window from a day up holds runs to count.
      if (back === null || back >= 86400) expect({ back, total: s.total > 0 }).toEqual({ back, total: true });
      const tasks = await stores.taskRuns.countByState(
        start ? { task_runs: { expected_start_time: { after_: start } } } : {},
      );
      expect({ back, tasks: sortCounts(s.taskCounts) }).toEqual({ back, tasks: sortCounts(tasks) });
      // The chart's bars hold the runs expected between its first and last bar's bounds.
      const bars = s.history;
      const charted = bars.reduce(
        (n: number, b: any) => n + b.states.reduce((m: number, x: any) => m + x.count_runs, 0),
        0,
      );
      const inChart = await stores.flowRuns.count({
        flow_runs: {
          expected_start_time: {
            after_: bars[0].interval_start,
            before_: addSeconds(bars[bars.length - 1].interval_end, -0.000001),
          },
        },
      });
      expect({ back, charted }).toEqual({ back, charted: inChart });
      expect(bars.length).toBeLessThanOrEqual(61);
    }
  }

  test("window counts, task counts and history match the runs, after inserts, transitions and deletes", async () => {
    await checkWindows();
    await t.call(`/api/flow_runs/${ids[1]}/set_state`, {
      method: "POST",
      json: { state: { type: "CRASHED" }, force: true },
    });
    await t.call(`/api/flow_runs/${ids[2]}/set_state`, {
      method: "POST",
      json: { state: { type: "COMPLETED" }, force: true },
    });
    await exec(t, "UPDATE flow_run SET expected_start_time = ? WHERE id = ?", [addSeconds(now, -400), ids[3]]);
    await t.call(`/api/flow_runs/${ids[4]}`, { method: "DELETE" });
    ids.splice(4, 1);
    await checkWindows();
  });

  test("folding the per-hour counts changes no count and leaves one row per hour and state", async () => {
    const stores = t.app.stores as any;
    // A bulk update and a bulk delete, as the triggers see them from one statement each.
    await exec(t, "UPDATE flow_run SET state_type = 'FAILED', state_name = 'Failed' WHERE name = 'same-name'");
    const extra = [await run("gone-1", { type: "PENDING" }, -100), await run("gone-2", { type: "PENDING" }, -200)];
    await exec(t, `DELETE FROM flow_run WHERE id IN (?, ?)`, extra);
    ids.splice(ids.length - 2, 2);
    await checkWindows();
    const split = async () =>
      Number(
        (
          (await exec(
            t,
            "SELECT count(*) AS n FROM (SELECT hour FROM flow_run_hourly_count GROUP BY hour, state_type, state_name HAVING count(*) > 1) AS s",
          )) as any[]
        )[0].n,
      ) +
      Number(
        (
          (await exec(
            t,
            "SELECT count(*) AS n FROM (SELECT hour FROM task_run_hourly_count GROUP BY hour, state_type HAVING count(*) > 1) AS s",
          )) as any[]
        )[0].n,
      );
    // PostgreSQL appended deltas; SQLite's upserts never split an hour.
    if (t.db.dialect === "pg") expect(await split()).toBeGreaterThan(0);
    await stores.dashboard.compact();
    expect(await split()).toBe(0);
    await checkWindows();
    // The service folds on its own, and stops cleanly.
    await t.call(`/api/flow_runs/${ids[5]}/set_state`, {
      method: "POST",
      json: { state: { type: "CANCELLED" }, force: true },
    });
    if (t.db.dialect === "pg") expect(await split()).toBeGreaterThan(0);
    const fold = t.app.services.all.find((s) => s.name === "Hourly run counts");
    expect(Boolean(fold)).toBe(t.db.dialect === "pg");
    fold?.start();
    await Bun.sleep(300);
    await fold?.stop();
    expect(await split()).toBe(0);
    await checkWindows();
  });

  test("the latest failed runs of a window, newest first (the dashboard's several-state page)", async () => {
    const stores = t.app.stores as any;
    await run("crashed-recently", { type: "CRASHED" }, -3600);
    for (const start of [addSeconds(now, -7 * 86400), null]) {
      const body = {
        flow_runs: {
          ...(start ? { expected_start_time: { after_: start } } : {}),
          state: { type: { any_: ["FAILED", "CRASHED"] } },
        },
      };
      // A first page takes each state's newest runs from its index on SQLite; one past 2000 rows is a
      // plain sort of every match, so its head is the reference.
      const got = await stores.flowRuns.filter(body, { limit: 3, offset: 0, sort: "EXPECTED_START_TIME_DESC" });
      const all = await stores.flowRuns.filter(body, { limit: 2001, offset: 0, sort: "EXPECTED_START_TIME_DESC" });
      expect(all.length).toBeGreaterThan(3);
      expect(new Set(all.map((r: any) => r.state_type))).toEqual(new Set(["FAILED", "CRASHED"]));
      expect(got.map((r: any) => r.id)).toEqual(all.slice(0, 3).map((r: any) => r.id));
    }
  });

  test.each(RUN_SORTS)("keyset pages in %s order cover the list once, forwards and backwards", async (sort) => {
    const stores = t.app.stores as any;
    for (const [since, states] of [
      [null, []],
      [addSeconds(now, -5 * 86400), []],
      [null, ["COMPLETED"]],
    ] as Array<[string | null, string[]]>) {
      const body = { flow_runs: {} };
      const ref = await stores.flowRuns.filter(
        {
          flow_runs: {
            ...(since ? { expected_start_time: { after_: since } } : {}),
            ...(states.length ? { state: { type: { any_: states } } } : {}),
          },
        },
        { limit: 200, offset: 0, sort },
      );
      const want = ref.map((r: any) => r.id);
      const pages: string[][] = [];
      let after: Cursor | null = null;
      for (let k = 0; k < 20; k++) {
        const p: any = await stores.runList.page({ body, since, states, sort, limit: 4, after });
        pages.push(p.runs.map((r: any) => r.id));
        if (!p.more) break;
        after = p.last;
      }
      expect({ sort, since, states, ids: pages.flat() }).toEqual({ sort, since, states, ids: want });
      // Offsets give the same pages.
      const third = await stores.runList.page({ body, since, states, sort, limit: 4, offset: 8 });
      expect(third.runs.map((r: any) => r.id)).toEqual(want.slice(8, 12));
      // Back from the last page, page by page, to the first.
      let before: Cursor | null = null;
      const last = await stores.runList.page({
        body,
        since,
        states,
        sort,
        limit: 4,
        after: pages.length > 1 ? after : null,
      });
      before = last.first;
      const back: string[][] = [last.runs.map((r: any) => r.id)];
      for (let k = 0; k < 20 && before; k++) {
        const p: any = await stores.runList.page({ body, since, states, sort, limit: 4, before });
        if (!p.runs.length) break;
        back.unshift(p.runs.map((r: any) => r.id));
        if (!p.more) break;
        before = p.first;
      }
      expect({ sort, since, back: back.flat() }).toEqual({ sort, since, back: want });
    }
  });

  test("the runs page's Next and Previous links page through every run once; a forged cursor starts from the top", async () => {
    for (let i = 0; i < 15; i++) await run(`extra-${i}`, { type: "COMPLETED" }, -60 * (i + 1)); // more than one page of 50
    const all = Number(await (t.app.stores as any).flowRuns.count({}));
    const page = async (url: string) => {
      const r = await t.call(url);
      expect({ url, status: r.status }).toEqual({ url, status: 200 });
      const body = await r.text();
      const link = (rel: string) =>
        new RegExp(`<a href="([^"]+)" rel="${rel}"`).exec(body)?.[1]?.replaceAll("&amp;", "&") ?? null;
      return {
        ids: [...body.matchAll(/href="\/runs\/([0-9a-f-]{36})"/g)].map((m) => m[1]),
        next: link("next"),
        prev: link("prev"),
      };
    };
    for (const sort of RUN_SORTS) {
      const first = await page(`/runs?since=all&sort=${sort}`);
      // The link's cursor must read back (a rejected one would quietly fall back to paging by offset).
      const cursor = new URL(first.next!, "http://x").searchParams.get("after") ?? undefined;
      expect({ sort, cursor: decodeCursor(cursor, sort) }).toEqual({
        sort,
        cursor: expect.objectContaining({ id: expect.any(String) }),
      });
      const second = await page(first.next!);
      expect(new Set([...first.ids, ...second.ids]).size).toBe(all);
      expect(second.next).toBeNull();
      expect((await page(second.prev!)).ids).toEqual(first.ids);
      // Cursors that cannot belong to the sort, or name no run id, are ignored rather than sent to the database.
      for (const key of ["not a time", 5, "2026-13-45T00:00:00.000000Z", { a: 1 }]) {
        for (const id of [ids[0], "x"]) {
          const forged = Buffer.from(
            JSON.stringify([sort.startsWith("NAME_") && typeof key === "string" ? 5 : key, id]),
          ).toString("base64url");
          expect((await page(`/runs?since=all&sort=${sort}&after=${forged}`)).ids).toEqual(first.ids);
          expect((await page(`/runs?since=all&sort=${sort}&before=${forged}`)).ids).toEqual(first.ids);
        }
      }
    }
  });
});
