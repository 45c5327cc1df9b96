// The dashboard's work pool pages in Chromium, against the compiled binary: seeded through the API as a
// worker and a client would, driven as a user would (confirmations, the limit and priority forms),
// checked through the API.
import { beforeAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { tempHome } from "../support/binary.ts";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, SHOTS, unexpectedErrors, useDashboard } from "../support/dashboard.ts";

// Names refuse / % & > <, so quotes, spaces and non-ASCII there; markup wherever else users write text.
const POOL = `etl "pool" 'q' ✓ ünï`;
const QUIET = "quiet pool";
const QUEUE = `high "prio" é`;
const WORKER = `worker "w1" ✓`;
const POOL_DESCRIPTION = "<img src=x onerror=alert(1)> runs the <b>warehouse</b>";
const QUEUE_DESCRIPTION = "<script>alert(2)</script> urgent <i>only</i>";
const VAR_DESCRIPTION = "<b>what</b> runs <img src=x onerror=alert(3)>";
const VAR_DEFAULT = "echo <script>alert(4)</script>";
const TEMPLATE = {
  job_configuration: {
    command: "{{ command }}",
    env: "{{ env }}",
    labels: { team: "<script>alert(5)</script>" },
  },
  variables: {
    type: "object",
    properties: {
      command: { type: "string", title: "Command", description: VAR_DESCRIPTION, default: VAR_DEFAULT },
      env: { type: "object", title: "Environment", additionalProperties: { type: "string" }, default: {} },
      stream: { anyOf: [{ type: "boolean" }, { type: "null" }], default: true },
    },
    required: ["command"],
  },
};

const poolPath = (name: string) => `/work-pools/${encodeURIComponent(name)}`;
const queuePath = (pool: string, queue: string) => `${poolPath(pool)}/queues/${encodeURIComponent(queue)}`;

describe.if(HAVE_CHROMIUM)("work pool pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  let deployment: J;
  let scheduledRun: J;
  let runningRun: J;

  const pool = (name = POOL) => api(`/work_pools/${encodeURIComponent(name)}`);
  const queue = (name = QUEUE) => api(`/work_pools/${encodeURIComponent(POOL)}/queues/${encodeURIComponent(name)}`);

  beforeAll(async () => {
    await api("/work_pools/", {
      method: "POST",
      json: { name: POOL, type: "process", description: POOL_DESCRIPTION, base_job_template: TEMPLATE },
    });
    await api("/work_pools/", { method: "POST", json: { name: QUIET, type: "docker", concurrency_limit: 4 } });
    await api(`/work_pools/${encodeURIComponent(POOL)}/queues`, {
      method: "POST",
      json: { name: QUEUE, description: QUEUE_DESCRIPTION, priority: 1, concurrency_limit: 2 },
    });
    await api(`/work_pools/${encodeURIComponent(POOL)}/workers/heartbeat`, {
      method: "POST",
      json: { name: WORKER, heartbeat_interval_seconds: 30 },
    });
    const flow = await api("/flows/", { method: "POST", json: { name: "pooled" } });
    deployment = await api("/deployments/", {
      method: "POST",
      json: { name: "in-pool", flow_id: flow.id, work_pool_name: POOL, work_queue_name: QUEUE },
    });
    const soon = new Date(Date.now() + 600_000).toISOString();
    scheduledRun = await api(`/deployments/${deployment.id}/create_flow_run`, {
      method: "POST",
      json: { name: "waiting-one", state: { type: "SCHEDULED", state_details: { scheduled_time: soon } } },
    });
    runningRun = await api(`/deployments/${deployment.id}/create_flow_run`, {
      method: "POST",
      json: { name: "busy-one", state: { type: "RUNNING" } },
    });
  });

  test("the pages load without console errors, and hostile text stays text", async () => {
    const paths: Array<[string, string]> = [
      ["work-pools", "/work-pools"],
      ["work-pool", poolPath(POOL)],
      ["work-queue", queuePath(POOL, QUEUE)],
      ["work-pool-quiet", poolPath(QUIET)],
      ["deployment-in-pool", `/deployments/${deployment.id}`],
      ["run-in-pool", `/runs/${runningRun.id}`],
    ];
    await dash.expectCleanPages(paths, "main img, main b, main i");

    const { page: list } = await page("/work-pools");
    expect(await list.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Work pools");
    const row = list.locator("table.work-pools tbody tr", { hasText: "ünï" });
    expect(await row.getByRole("link", { name: POOL }).getAttribute("href")).toBe(poolPath(POOL));
    expect(await row.getByText(POOL_DESCRIPTION).isVisible()).toBe(true);
    const cells = async (r: typeof row) => (await r.locator("td").allTextContents()).slice(1).map((t) => t.trim());
    // Type, status, online workers, slots in use / limit: the heartbeat made the pool Ready.
    expect(await cells(row)).toEqual(["process", "Ready", "1", "1 / no limit"]);
    const quiet = list.locator("table.work-pools tbody tr", { hasText: QUIET });
    expect(await cells(quiet)).toEqual(["docker", "Not ready", "0", "0 / 4"]);

    const { page: p } = await page(poolPath(POOL));
    expect(await p.locator("h1").textContent()).toContain(POOL);
    expect(await p.locator(".detail-header").getByText(POOL_DESCRIPTION).isVisible()).toBe(true);
    // Queues by priority: the new one took 1 and pushed the default queue down.
    const queueRows = p.locator("table.queues tbody tr");
    expect(await queueRows.locator("td:nth-child(2) a").allTextContents()).toEqual([QUEUE, "default"]);
    expect(await queueRows.locator("td:first-child").allTextContents()).toEqual(["1", "2"]);
    expect(await queueRows.first().getByText(QUEUE_DESCRIPTION).isVisible()).toBe(true);
    expect((await queueRows.first().locator("td:nth-child(4)").textContent())?.trim()).toBe("1 / 2");
    expect(await queueRows.nth(1).textContent()).toContain("(default)");
    // The worker with its last heartbeat.
    const worker = p.locator("table.workers tbody tr");
    expect(await worker.count()).toBe(1);
    expect(await worker.locator("td").first().textContent()).toBe(WORKER);
    expect(await worker.getByText("Online").isVisible()).toBe(true);
    expect(await worker.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await worker.locator("td").last().textContent()).toBe("30s");
    // Upcoming and running runs, with their deployment.
    const upcoming = p.locator("section.card", { has: p.locator("#upcoming-h") });
    expect(await upcoming.locator("table.runs tbody tr td:first-child a").allTextContents()).toEqual(["waiting-one"]);
    expect(await upcoming.locator("a.deployment-link").textContent()).toBe("in-pool");
    const running = p.locator("section.card", { has: p.locator("#running-h") });
    expect(await running.locator("table.runs tbody tr td:first-child a").allTextContents()).toEqual(["busy-one"]);
    // The base job template, readably: variables with type, default and description; the configuration.
    const vars = p.locator("table.variables tbody tr");
    expect(await vars.locator("td:first-child code").allTextContents()).toEqual(["command", "env", "stream"]);
    const command = vars.first();
    expect(await command.textContent()).toContain("(required)");
    expect(await command.locator("td:nth-child(2)").textContent()).toBe("string");
    expect(await command.locator("td:nth-child(3)").textContent()).toBe(JSON.stringify(VAR_DEFAULT));
    expect(await command.locator("td:nth-child(4)").textContent()).toBe(VAR_DESCRIPTION);
    expect(await vars.nth(2).locator("td:nth-child(2)").textContent()).toBe("boolean or null");
    const config = JSON.parse((await p.locator("pre.job-configuration").textContent()) ?? "null");
    expect(config).toEqual(TEMPLATE.job_configuration);

    const { page: q } = await page(queuePath(POOL, QUEUE));
    expect(await q.locator("h1").textContent()).toContain(QUEUE);
    expect(await q.getByText(QUEUE_DESCRIPTION).isVisible()).toBe(true);
    expect(await q.locator(".crumbs a").allTextContents()).toEqual(["Work pools", POOL]);
    expect(await q.locator(".queue-deployments a").allTextContents()).toEqual(["in-pool"]);
    const facts = await q.locator("dl.facts").textContent();
    expect(facts).toContain("1 / 2");
    const qUpcoming = q.locator("section.card", { has: q.locator("#upcoming-h") });
    expect(await qUpcoming.locator("table.runs tbody tr td:first-child a").allTextContents()).toEqual(["waiting-one"]);

    // Phone width: no horizontal page scroll.
    for (const path of ["/work-pools", poolPath(POOL), queuePath(POOL, QUEUE)]) {
      const { page: phone, overflow } = await dash.phoneOverflow(path);
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      await phone.close();
    }
  });

  test("deployments and runs link to their pool and queue", async () => {
    for (const path of [`/deployments/${deployment.id}`, `/runs/${scheduledRun.id}`]) {
      const { page: p, errors } = await page(path);
      expect(await p.locator("a.pool-link").getAttribute("href")).toBe(poolPath(POOL));
      expect(await p.locator("a.queue-link").textContent()).toBe(QUEUE);
      await p.locator("a.queue-link").click();
      await p.waitForURL((u) => decodeURIComponent(u.pathname) === `/work-pools/${POOL}/queues/${QUEUE}`);
      expect(await p.locator("h1").textContent()).toContain(QUEUE);
      await p.goBack();
      await p.locator("a.pool-link").click();
      await p.waitForURL((u) => decodeURIComponent(u.pathname) === `/work-pools/${POOL}`);
      expect(await p.locator("h1").textContent()).toContain(POOL);
      expect(errors).toEqual([]);
      await p.close();
    }
  });

  test("pause and resume the pool after confirming; declining changes nothing", async () => {
    const declined = await dash.decline(poolPath(POOL), "Pause work pool");
    expect(declined).toEqual({
      asked: ["Pause this work pool? Its workers get no runs from it until it is resumed."],
      errors: [],
    });
    expect((await pool()).is_paused).toBe(false);

    const confirmed: string[] = [];
    const { page: p, errors } = await page(poolPath(POOL), { confirm: confirmed });
    await p.getByRole("button", { name: "Pause work pool" }).click();
    await p.getByText("Work pool paused.").waitFor();
    expect(await pool()).toMatchObject({ is_paused: true, status: "PAUSED" });
    expect(await p.locator(".detail-header .badge").first().textContent()).toBe("Paused");
    await p.getByRole("button", { name: "Resume work pool" }).click();
    await p.getByText("Work pool resumed.").waitFor();
    // A worker is online, so the pool is Ready again.
    expect(await pool()).toMatchObject({ is_paused: false, status: "READY" });
    expect(confirmed).toEqual([
      "Pause this work pool? Its workers get no runs from it until it is resumed.",
      "Resume this work pool? Its workers pick up runs again.",
    ]);
    expect(errors).toEqual([]);
  });

  test("the pool's limit: set after confirming, bad numbers refused by the field, emptied to none", async () => {
    const confirmed: string[] = [];
    const { page: p, errors } = await page(poolPath(POOL), { confirm: confirmed });
    const input = p.locator("#pool-limit-concurrency_limit");
    expect(await input.inputValue()).toBe("");
    await input.fill("3");
    await p.getByRole("button", { name: "Save limit" }).click();
    await p.getByText("Concurrency limit set to 3.").waitFor();
    expect(confirmed).toEqual(["Change this work pool's concurrency limit?"]);
    expect((await pool()).concurrency_limit).toBe(3);
    expect(await p.locator("dl.facts").textContent()).toContain("1 / 3");

    for (const [typed, message] of [
      ["-1", "A concurrency limit cannot be negative: enter 0 or more, or leave it empty for no limit."],
      ["2.5", "Enter a whole number."],
      ["lots", "Enter a whole number."],
      ["99999999999", "Must be at most 2147483647."],
    ]) {
      await p.locator("#pool-limit-concurrency_limit").fill(typed);
      const [response] = await Promise.all([
        p.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/limit")),
        p.getByRole("button", { name: "Save limit" }).click(),
      ]);
      expect({ typed, status: response.status() }).toEqual({ typed, status: 422 });
      const field = p.locator("#pool-limit-concurrency_limit");
      await field.and(p.locator("[aria-invalid=true]")).waitFor();
      expect(await field.inputValue()).toBe(typed);
      const describedBy = (await field.getAttribute("aria-describedby"))?.split(" ") ?? [];
      expect(describedBy).toContain("pool-limit-concurrency_limit-error");
      expect(await p.locator("#pool-limit-concurrency_limit-error").textContent()).toBe(message);
      expect((await pool()).concurrency_limit).toBe(3);
      if (typed === "-1") await p.screenshot({ path: join(SHOTS, "work-pool-limit-refused.png"), fullPage: true });
    }

    await p.locator("#pool-limit-concurrency_limit").fill("");
    await p.getByRole("button", { name: "Save limit" }).click();
    await p.getByText("Concurrency limit removed.").waitFor();
    expect((await pool()).concurrency_limit).toBeNull();
    // Chromium logs each refused page load; those are the 422s asked for, nothing else.
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  test("a queue: pause and resume, priority and limit saved together or not at all", async () => {
    const confirmed: string[] = [];
    const { page: p, errors } = await page(queuePath(POOL, QUEUE), { confirm: confirmed });
    await p.getByRole("button", { name: "Pause work queue" }).click();
    await p.getByText("Work queue paused.").waitFor();
    expect(await queue()).toMatchObject({ is_paused: true, status: "PAUSED" });
    await p.getByRole("button", { name: "Resume work queue" }).click();
    await p.getByText("Work queue resumed.").waitFor();
    expect((await queue()).is_paused).toBe(false);

    const priority = p.locator("#queue-settings-priority");
    const limit = p.locator("#queue-settings-concurrency_limit");
    expect([await priority.inputValue(), await limit.inputValue()]).toEqual(["1", "2"]);
    // One good field and one bad: nothing is written, both keep what was typed, the bad one says why.
    for (const [p1, l1, bad, message] of [
      ["2", "-5", "concurrency_limit", "A concurrency limit cannot be negative"],
      ["0", "7", "priority", "A priority is 1 (the highest) or more."],
      ["", "7", "priority", "Enter a priority: 1 is the highest."],
    ]) {
      await p.locator("#queue-settings-priority").fill(p1);
      await p.locator("#queue-settings-concurrency_limit").fill(l1);
      await p.getByRole("button", { name: "Save" }).click();
      const field = p.locator(`#queue-settings-${bad}`);
      await field.and(p.locator("[aria-invalid=true]")).waitFor();
      expect(await p.locator(`#queue-settings-${bad}-error`).textContent()).toContain(message);
      expect(await p.locator("#queue-settings [aria-invalid=true]").count()).toBe(1);
      expect(await p.locator("#queue-settings-priority").inputValue()).toBe(p1);
      expect(await p.locator("#queue-settings-concurrency_limit").inputValue()).toBe(l1);
      expect(await queue()).toMatchObject({ priority: 1, concurrency_limit: 2 });
    }

    // Both right: one update, and the queue now comes after the default one.
    await p.locator("#queue-settings-priority").fill("3");
    await p.locator("#queue-settings-concurrency_limit").fill("4");
    await p.getByRole("button", { name: "Save" }).click();
    await p.getByText("Work queue saved: priority 3, concurrency limit 4.").waitFor();
    expect(await queue()).toMatchObject({ priority: 3, concurrency_limit: 4 });
    expect((await queue("default")).priority).toBe(2);
    expect(await p.locator("dl.facts").textContent()).toContain("1 / 4");
    await p.locator("#queue-settings-concurrency_limit").fill("");
    await p.getByRole("button", { name: "Save" }).click();
    await p.getByText("Work queue saved: priority 3, no concurrency limit.").waitFor();
    expect((await queue()).concurrency_limit).toBeNull();

    const { page: poolPage } = await page(poolPath(POOL));
    const names = await poolPage.locator("table.queues tbody tr td:nth-child(2) a").allTextContents();
    expect(names).toEqual(["default", QUEUE]);
    expect(confirmed).toEqual([
      "Pause this work queue? Workers get no runs from it until it is resumed.",
      "Resume this work queue? Workers pick up its runs again.",
      ...Array(5).fill("Change this work queue's priority and concurrency limit?"),
    ]);
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  test("a pool the real CLI made and a deployment the real SDK put in it show on their pages", async () => {
    // The CLI fills in the process worker's own base job template; the SDK places the deployment.
    const dir = tempHome();
    const venv = resolve(import.meta.dir, "..", "..", ".venv", "bin");
    const env = { ...process.env, PREFECT_API_URL: `${dash.base}/api`, PREFECT_HOME: join(dir, "home") };
    const made = Bun.spawnSync([join(venv, "prefect"), "work-pool", "create", "sdk-pool", "-t", "process"], {
      cwd: dir,
      env,
    });
    expect({ exit: made.exitCode, err: made.exitCode ? made.stderr.toString().slice(-2000) : "" }).toEqual({
      exit: 0,
      err: "",
    });
    await Bun.write(
      join(dir, "sdk_flow.py"),
      ["from prefect import flow", "@flow(name='sdk-pooled')", "def sdk_pooled():", "    return 1"].join("\n"),
    );
    const script = join(dir, "deploy.py");
    await Bun.write(
      script,
      [
        "from prefect import flow",
        "d = flow.from_source(source='.', entrypoint='sdk_flow.py:sdk_pooled')",
        "print('@@' + str(d.deploy(name='in-sdk-pool', work_pool_name='sdk-pool', work_queue_name='sdk-q', print_next_steps=False)))",
      ].join("\n"),
    );
    const deployed = Bun.spawnSync([join(venv, "python"), script], { cwd: dir, env });
    expect({ exit: deployed.exitCode, err: deployed.exitCode ? deployed.stderr.toString().slice(-2000) : "" }).toEqual({
      exit: 0,
      err: "",
    });
    const id = deployed.stdout.toString().split("@@")[1]!.trim();

    const { page: p, errors } = await page(poolPath("sdk-pool"));
    await p.locator("table.variables").waitFor();
    const variables = await p.locator("table.variables").textContent();
    for (const name of ["command", "env", "working_dir", "stream_output"]) expect(variables).toContain(name);
    expect(await p.locator("main").textContent()).toContain("sdk-q");
    const { page: d, errors: depErrors } = await page(`/deployments/${id}`);
    await d.getByText("in-sdk-pool").first().waitFor();
    expect(await d.getByRole("link", { name: "sdk-pool", exact: true }).first().getAttribute("href")).toBe(
      poolPath("sdk-pool"),
    );
    expect(await d.getByRole("link", { name: "sdk-q", exact: true }).first().getAttribute("href")).toBe(
      queuePath("sdk-pool", "sdk-q"),
    );
    expect([...errors, ...depErrors]).toEqual([]);
  });

  test("unknown pools and queues are not found, and forged forms change nothing", async () => {
    for (const path of [poolPath("no such pool"), queuePath(POOL, "no such queue"), queuePath("nope", "default")]) {
      const r = await fetch(dash.base + path, { headers: { accept: "text/html" } });
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
    }
    const before = { pool: await pool(), queue: await queue() };
    for (const [path, form] of [
      [`${poolPath(POOL)}/pause`, ""],
      [`${poolPath(POOL)}/limit`, "&concurrency_limit=1"],
      [`${queuePath(POOL, QUEUE)}/pause`, ""],
      [`${queuePath(POOL, QUEUE)}/settings`, "&priority=1&concurrency_limit=1"],
    ]) {
      expect({ path, status: await dash.postForged(path, form) }).toEqual({ path, status: 403 });
    }
    const after = { pool: await pool(), queue: await queue() };
    expect(after.pool.updated).toBe(before.pool.updated);
    expect(after.queue.updated).toBe(before.queue.updated);
  });
});
