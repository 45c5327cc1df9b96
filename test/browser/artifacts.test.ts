// The dashboard's artifact pages in Chromium, against the compiled binary: markdown rendered through the
// sanitiser (a <script>, an <img onerror> and a javascript: link stay inert), tables as tables, links,
// progress bars, a key's history, and the Artifacts sections of the flow-run and task-run pages.
import { beforeAll, describe, expect, test } from "bun:test";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, useDashboard } from "../support/dashboard.ts";

const EVIL = [
  "# Report",
  "<script>alert('script ran')</script>",
  "<img src=x onerror=\"alert('onerror ran')\">",
  "[click me](javascript:alert('link ran')) and [JS upper](JaVaScRiPt:alert(1))",
  "[good link](https://example.com/ok)",
  "",
  "| col a | col b |",
  "| --- | --- |",
  "| 1 | <b>two</b> |",
].join("\n");

describe.if(HAVE_CHROMIUM)("artifact pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  let run: J;
  let taskRun: J;
  let evil: J;
  let table: J;
  let progress: J;
  let link: J;
  const make = (json: J) => api("/artifacts/", { method: "POST", json });

  beforeAll(async () => {
    const flow = await api("/flows/", { method: "POST", json: { name: "reporting" } });
    run = await api("/flow_runs/", { method: "POST", json: { flow_id: flow.id, name: "report-run" } });
    taskRun = await api("/task_runs/", {
      method: "POST",
      json: { flow_run_id: run.id, task_key: "t", dynamic_key: "0", name: "report-task" },
    });
    await make({ key: "report", type: "markdown", data: "# Old report", flow_run_id: run.id });
    evil = await make({
      key: "report",
      type: "markdown",
      data: EVIL,
      description: "made <i>by</i> **the flow**",
      flow_run_id: run.id,
    });
    table = await make({
      key: "numbers",
      type: "table",
      data: JSON.stringify([
        { name: "<b>alpha</b>", count: 1 },
        { name: "beta", count: 2 },
      ]),
      flow_run_id: run.id,
      task_run_id: taskRun.id,
    });
    progress = await make({ key: "progress", type: "progress", data: 42, flow_run_id: run.id });
    link = await make({ key: "data-link", type: "markdown", data: "[the data](https://example.com/data)" });
  });

  test("the pages load without console errors, no script runs and hostile text stays text", async () => {
    await dash.expectCleanPages(
      [
        ["artifacts", "/artifacts"],
        ["artifact-markdown", `/artifacts/${evil.id}`],
        ["artifact-key", "/artifacts/key/report"],
        ["artifact-table", `/artifacts/${table.id}`],
        ["artifact-progress", `/artifacts/${progress.id}`],
        ["artifact-link", `/artifacts/${link.id}`],
        ["run-artifacts", `/runs/${run.id}`],
        ["task-run-artifacts", `/task-runs/${taskRun.id}`],
      ],
      // Markup from the data that must not become elements: the table's <b>, the description's <i>,
      // the markdown's <img>.
      "main td b, main i, main .markdown img",
    );
  });

  test("markdown renders, and <script>, <img onerror> and javascript: links are inert", async () => {
    const { page: p, errors } = await page(`/artifacts/${evil.id}`);
    const md = p.locator(".artifact-markdown");
    // Its headings sit below the page's own h1 and h2.
    expect(await md.locator("h3").textContent()).toBe("Report");
    // Raw HTML is shown as text, never parsed.
    expect(await md.textContent()).toContain("<script>alert('script ran')</script>");
    expect(await md.locator("script, img, iframe, [onerror]").count()).toBe(0);
    expect(await p.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await md.getByRole("link", { name: "click me" }).count()).toBe(0);
    const good = md.getByRole("link", { name: "good link" });
    expect(await good.getAttribute("href")).toBe("https://example.com/ok");
    expect(await good.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    // A markdown table is a table; the <b> in a cell stays text.
    expect(await md.locator("table th").allTextContents()).toEqual(["col a", "col b"]);
    expect(await md.locator("table td").allTextContents()).toEqual(["1", "<b>two</b>"]);
    // The description is markdown too: ** makes bold, <i> stays text.
    expect(await p.locator(".card .markdown strong").textContent()).toBe("the flow");
    expect(await p.getByText("made <i>by</i>").count()).toBe(1);
    expect(await p.locator(".crumbs a").allTextContents()).toEqual(["Artifacts", "report"]);
    expect(await p.locator("dl.facts").getByRole("link", { name: "report-run" }).getAttribute("href")).toBe(
      `/runs/${run.id}`,
    );
    // Nothing ran: no alert, no error.
    await p.waitForTimeout(200);
    expect(errors).toEqual([]);
  });

  test("tables, progress bars and links render as such", async () => {
    const { page: t } = await page(`/artifacts/${table.id}`);
    expect(await t.locator("table.artifact-table th").allTextContents()).toEqual(["name", "count"]);
    expect(await t.locator("table.artifact-table tbody tr").count()).toBe(2);
    expect(await t.locator("table.artifact-table tbody tr").first().locator("td").allTextContents()).toEqual([
      "<b>alpha</b>",
      "1",
    ]);
    expect(await t.locator("dl.facts").getByRole("link", { name: "report-task" }).getAttribute("href")).toBe(
      `/task-runs/${taskRun.id}`,
    );
    const { page: p } = await page(`/artifacts/${progress.id}`);
    expect(await p.locator("progress").getAttribute("value")).toBe("42");
    expect(await p.locator(".artifact-progress").textContent()).toContain("42%");
    const { page: l } = await page(`/artifacts/${link.id}`);
    expect(await l.getByRole("link", { name: "the data" }).getAttribute("href")).toBe("https://example.com/data");
  });

  test("a key's page shows its latest and its history; the list and its search", async () => {
    const { page: k } = await page("/artifacts/key/report");
    expect(await k.locator("h1").textContent()).toContain("report");
    expect(await k.locator(".artifact-markdown h3").textContent()).toBe("Report");
    expect(await k.locator("table.artifacts tbody tr").count()).toBe(2);
    const { page: list } = await page("/artifacts");
    expect(await list.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Artifacts");
    const keys = await list.locator("table.artifact-keys tbody td:first-child a").allTextContents();
    expect(keys.sort()).toEqual(["data-link", "numbers", "progress", "report"]);
    expect(await list.locator("table.artifact-keys tbody tr", { hasText: "progress" }).textContent()).toContain("42%");
    const { page: s } = await page("/artifacts?q=num");
    expect(await s.locator("table.artifact-keys tbody td:first-child a").allTextContents()).toEqual(["numbers"]);
    const { overflow } = await dash.phoneOverflow(`/artifacts/${evil.id}`);
    expect(overflow).toBe(0);
  });

  test("the flow-run and task-run pages list their artifacts", async () => {
    const { page: r } = await page(`/runs/${run.id}`);
    const section = r.locator("#artifacts");
    expect(await section.locator("h2").textContent()).toContain("(4)");
    expect(await section.locator("tbody tr td:nth-child(2) a").allTextContents()).toEqual([
      "progress",
      "numbers",
      "report",
      "report",
    ]);
    await section.getByRole("link", { name: "numbers" }).first().click();
    await r.waitForURL((u) => u.pathname === `/artifacts/${table.id}`);
    const { page: t } = await page(`/task-runs/${taskRun.id}`);
    expect(await t.locator("#artifacts tbody tr td:nth-child(2) a").allTextContents()).toEqual(["numbers"]);
  });
});
