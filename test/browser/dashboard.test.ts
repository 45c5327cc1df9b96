import { beforeAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { tempHome } from "../support/binary.ts";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { SHOTS, useDashboard } from "../support/dashboard.ts";

const PYTHON = resolve(import.meta.dir, "..", "..", ".venv", "bin", "python");

describe.if(HAVE_CHROMIUM)("dashboard in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  let flowId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // Hostile text where users control it: a flow name with quotes, tags and log lines with markup.
    flowId = (await api("/flows/", { method: "POST", json: { name: `etl "x" onmouseover=alert(1)` } })).id;
    for (let i = 0; i < 55; i++) {
      const state = i % 5 === 0 ? { type: "FAILED", message: "boom" } : { type: "COMPLETED" };
      const run = await api("/flow_runs/", {
        method: "POST",
        json: {
          flow_id: flowId,
          name: `run-${String(i).padStart(2, "0")}`,
          tags: i % 2 ? ["<script>alert(1)</script>"] : ["nightly"],
          state,
        },
      });
      ids[`run-${i}`] = run.id;
    }
    const running = await api("/flow_runs/", { method: "POST", json: { flow_id: flowId, name: "to-cancel" } });
    await api(`/flow_runs/${running.id}/set_state`, { method: "POST", json: { state: { type: "RUNNING" } } });
    ids.running = running.id;
    await api("/logs/", {
      method: "POST",
      json: [
        {
          name: "x",
          level: 40,
          message: "<img src=x onerror=alert(1)> bad things",
          timestamp: new Date().toISOString(),
          flow_run_id: running.id,
        },
      ],
    });
  });

  test("every page loads without console errors, and hostile names stay text", async () => {
    const paths: Array<[string, string]> = [
      ["dashboard", "/?window=24h"],
      ["flow-runs", "/runs"],
      ["flow-run", `/runs/${ids.running}`],
      ["flows", "/flows"],
      ["flow", `/flows/${flowId}`],
      ["settings", "/settings"],
      ["events", "/events"],
    ];
    await dash.expectCleanPages(paths, "img");
    const { page: runs } = await page("/runs");
    expect(await runs.getByText("<script>alert(1)</script>").first().isVisible()).toBe(true);
    const { page: run } = await page(`/runs/${ids.running}`);
    expect(await run.getByText("<img src=x onerror=alert(1)> bad things").isVisible()).toBe(true);
    expect(await run.getByText(`etl "x" onmouseover=alert(1)`).first().isVisible()).toBe(true);
  });

  test("filters and pagination change the list", async () => {
    const { page: p } = await page("/runs?since=all");
    const names = () => p.locator("table.runs tbody tr td:nth-child(2) a").allTextContents();
    expect((await names()).length).toBe(50);
    await p.getByRole("link", { name: "Next →" }).click();
    await p.waitForURL(/page=2/);
    await p.waitForFunction(() => document.querySelectorAll("table.runs tbody tr").length === 6);
    await p.goto(`${dash.base}/runs?since=all`);
    await p.selectOption("select[name=state]", "FAILED");
    await p.waitForFunction(() => document.querySelectorAll("table.runs tbody tr").length === 11);
    expect((await names()).every((n) => /^run-\d\d$/.test(n))).toBe(true);
    await p.fill("#f-q", "run-1");
    await p.waitForFunction(() => document.querySelectorAll("table.runs tbody tr").length === 2);
    expect((await names()).sort()).toEqual(["run-10", "run-15"]);
  });

  test("dark mode is readable, and Tab reaches the filters and the run links with a visible focus ring", async () => {
    const ctx = await dash.browser.newContext({ colorScheme: "dark", viewport: { width: 1280, height: 900 } });
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const path of ["/?window=7d", "/runs?since=all"]) {
      const p = await ctx.newPage();
      await p.goto(dash.base + path);
      const { bg, fg, cardFg } = await p.evaluate(() => ({
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.body).color,
        cardFg: getComputedStyle(document.querySelector("h1")!).color,
      }));
      expect({ path, dark: luminance(bg) < 60, light: luminance(fg) > 180, heading: luminance(cardFg) > 180 }).toEqual({
        path,
        dark: true,
        light: true,
        heading: true,
      });
      await p.close();
    }
    // Keyboard only: Tab from the top reaches the search box, the state filter, a run link and Next.
    const p = await ctx.newPage();
    await p.goto(`${dash.base}/runs?since=all`);
    const reached = new Set<string>();
    let ring = "";
    for (let i = 0; i < 400 && reached.size < 4; i++) {
      await p.keyboard.press("Tab");
      const f = await p.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return null;
        const cs = getComputedStyle(el);
        return {
          id: el.id,
          name: el.getAttribute("name"),
          tag: el.tagName,
          href: el.getAttribute("href") ?? "",
          text: el.textContent?.trim() ?? "",
          outline: `${cs.outlineStyle} ${cs.outlineWidth}`,
        };
      });
      if (!f) continue;
      if (f.id === "f-q") reached.add("search");
      if (f.name === "state") reached.add("state filter");
      if (f.tag === "A" && /^\/runs\/[0-9a-f-]{36}$/.test(f.href)) {
        reached.add("run link");
        ring = f.outline;
      }
      if (f.tag === "A" && f.text.startsWith("Next")) reached.add("next page");
    }
    expect([...reached].sort()).toEqual(["next page", "run link", "search", "state filter"]);
    expect(ring).toMatch(/^solid [1-9]/);
    await ctx.close();
  });

  test("a running flow's logs appear without a reload", async () => {
    const run = await api("/flow_runs/", { method: "POST", json: { flow_id: flowId, name: "live-logs" } });
    await api(`/flow_runs/${run.id}/set_state`, { method: "POST", json: { state: { type: "RUNNING" } } });
    const { page: p, errors } = await page(`/runs/${run.id}`);
    expect(await p.getByText("Waiting for logs…").isVisible()).toBe(true);
    await api("/logs/", {
      method: "POST",
      json: [
        {
          name: "prefect.flow_runs",
          level: 20,
          message: "hello from a live run",
          timestamp: new Date().toISOString(),
          flow_run_id: run.id,
        },
      ],
    });
    await p.getByText("hello from a live run").waitFor({ timeout: 8000 });
    expect(errors).toEqual([]);
  });

  test("the cancel button asks first (under script-src 'self'); declining changes nothing", async () => {
    const declined = await dash.decline(`/runs/${ids.running}`, "Cancel run");
    expect(declined).toEqual({ asked: ["Cancel this flow run?"], errors: [] });
    expect((await api(`/flow_runs/${ids.running}`)).state).toMatchObject({ type: "RUNNING" });
  });

  test("the API docs page renders Swagger UI from the binary, without console errors", async () => {
    const { page: p, errors } = await page("/docs");
    await p.locator(".swagger-ui .opblock").first().waitFor({ timeout: 15_000 });
    expect(p.url()).toEndWith("/api/docs");
    // Past ~150 operations Swagger UI draws only those near the viewport, so the count of drawn blocks
    // says little: what it loaded says whether every route is documented.
    const loaded = await p.evaluate(() => (window as any).ui.specSelectors.specJson().get("paths").size as number);
    expect(loaded).toBeGreaterThan(130);
    expect(await p.locator(".swagger-ui .opblock").count()).toBeGreaterThan(5);
    await p.screenshot({ path: join(SHOTS, "api-docs.png") });
    expect(errors).toEqual([]);
  });

  test("cancel from the UI ends a run Cancelled", async () => {
    const { page: p } = await page(`/runs/${ids.running}`);
    await p.getByRole("button", { name: "Cancel run" }).click();
    await p.getByText("Flow run cancelled.").waitFor();
    expect((await api(`/flow_runs/${ids.running}`)).state).toMatchObject({ type: "CANCELLED" });
    expect(await p.locator("h1 .badge").textContent()).toBe("Cancelled");
  });

  test("bad input in a form shows an inline error and changes nothing", async () => {
    const id = ids["run-1"];
    const before = await api(`/flow_runs/${id}`);
    const { page: p } = await page(`/runs/${id}`);
    await p.getByRole("button", { name: "Change state" }).click();
    await p.getByText("Choose a state to move the run to.").waitFor();
    expect(await p.locator("select[name=type]").getAttribute("aria-invalid")).toBe("true");
    const after = await api(`/flow_runs/${id}`);
    expect(after.state_id).toBe(before.state_id);
  });

  test("a form without the CSRF token is refused", async () => {
    expect(await dash.postForged(`/runs/${ids["run-2"]}/cancel`)).toBe(403);
  });

  test("JavaScript shipped to the browser stays under 60 kB gzipped on every page", async () => {
    for (const path of ["/", "/runs", `/runs/${ids["run-4"]}`, "/flows", "/events", "/settings"]) {
      const { page: p } = await page(path);
      const scripts = await p.evaluate(() =>
        [...document.querySelectorAll("script")].map((s) => ({
          src: s.getAttribute("src"),
          text: s.textContent ?? "",
        })),
      );
      const handlers = await p.evaluate(() =>
        [...document.querySelectorAll("*")]
          .flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.value))
          .join(""),
      );
      let bytes = Bun.gzipSync(new TextEncoder().encode(handlers)).length;
      for (const s of scripts) {
        const text = s.src ? await (await fetch(new URL(s.src, dash.base))).text() : s.text;
        bytes += Bun.gzipSync(new TextEncoder().encode(text)).length;
      }
      expect({ path, under: bytes <= 60 * 1024 }).toEqual({ path, under: true });
      await p.close();
    }
  });

  test("phone width has no horizontal page scroll", async () => {
    for (const path of ["/", "/runs", `/runs/${ids["run-3"]}`]) {
      const { page: p, overflow } = await dash.phoneOverflow(path);
      await p.screenshot({ path: join(SHOTS, `phone${path.replaceAll("/", "-") || "-home"}.png`), fullPage: true });
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
    }
  });

  // CI always has the venv (test/run.ts makes it first); elsewhere the test needs it too.
  test.if(Bun.file(PYTHON).size > 0 || !!process.env.CI)("data made by the real SDK shows up", async () => {
    const code = `
from prefect import flow, task
@task
def double(x): return x * 2
@flow(name="sdk-made")
def f(): return [double(i) for i in range(3)]
f()
`;
    const r = Bun.spawnSync([PYTHON, "-c", code], {
      env: { ...process.env, PREFECT_API_URL: `${dash.base}/api`, PREFECT_HOME: tempHome() },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(r.exitCode).toBe(0);
    const { page: p, errors } = await page("/flows");
    await p.getByRole("link", { name: "sdk-made" }).click();
    await p.locator("table.runs tbody tr").first().waitFor();
    await p.locator("table.runs tbody tr td a").first().click();
    await p.getByText("Completed").first().waitFor();
    expect(errors).toEqual([]);
  });
});
