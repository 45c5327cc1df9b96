// The Automations pages in Chromium against the compiled binary: create an automation as JSON (the
// API's checks shown under the field, nothing written on a refusal), see its trigger and actions in
// words and as JSON, switch it off and on with htmx (checked through the API), see a firing after a
// failing run on its page (each attempt against a receiver that answers 500) and a link to it from the run's page, edit it, delete it after confirming;
// hostile names stay text; a missing id is the dashboard's 404 page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, unexpectedErrors, useDashboard } from "../support/dashboard.ts";

const HOSTILE = `<img src=x onerror=alert(1)> "quoted" <b>bold</b>`;

describe.if(HAVE_CHROMIUM)("automation pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  const all = async () => (await api("/automations/filter", { method: "POST", json: {} })) as unknown as J[];
  let flowId = "";
  let seeded = "";
  let hook = "";
  // A channel that is down: every delivery is refused, so a firing shows its failed attempts.
  const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("down", { status: 500 }) });
  afterAll(() => receiver.stop(true));

  beforeAll(async () => {
    hook = await dash.webhookBlock("failing-hook", `http://127.0.0.1:${receiver.port}/hook`, { b: "{{body}}" });
    flowId = (await api("/flows/", { method: "POST", json: { name: "etl" } })).id;
    seeded = (
      await api("/automations/", {
        method: "POST",
        json: {
          name: HOSTILE,
          description: HOSTILE,
          trigger: { posture: "Proactive", expect: [HOSTILE], within: 60, match: { "prefect.resource.id": HOSTILE } },
          actions: [{ type: "change-flow-run-state", state: "FAILED", message: HOSTILE }],
        },
      })
    ).id;
  });

  const failRun = async () => {
    const run = await api("/flow_runs/", { method: "POST", json: { flow_id: flowId, state: { type: "RUNNING" } } });
    await api(`/flow_runs/${run.id}/set_state`, { method: "POST", json: { state: { type: "FAILED" } } });
    return run.id as string;
  };

  test("hostile text stays text on every page; a missing automation is the 404 page", async () => {
    await dash.expectCleanPages(
      [
        ["automations", "/automations"],
        ["automation", `/automations/${seeded}`],
        ["automation-new", "/automations/new"],
      ],
      "main img, main b",
    );
    const { page: p } = await page(`/automations/${seeded}`);
    expect(await p.locator("h1 span").first().textContent()).toBe(HOSTILE);
    expect(await p.locator(".trigger-words").textContent()).toBe(
      `If no ${HOSTILE} is seen within 1 min for a resource whose prefect.resource.id is ${HOSTILE}`,
    );
    expect(await p.locator(".action-words li").textContent()).toBe(`Move the flow run to FAILED: ${HOSTILE}`);
    expect(JSON.parse((await p.locator("pre.json").textContent()) ?? "")).toMatchObject({ id: seeded, name: HOSTILE });
    for (const path of ["/automations", `/automations/${seeded}`])
      expect({ path, overflow: (await dash.phoneOverflow(path)).overflow }).toEqual({ path, overflow: 0 });
    for (const path of [`/automations/${crypto.randomUUID()}`, "/automations/not-an-id"]) {
      const r = await fetch(dash.base + path, { headers: { accept: "text/html" } });
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(await r.text()).toContain("Automation not found.");
    }
  });

  test("create as JSON: the API's problems under the field, nothing written; then created", async () => {
    const before = (await all()).length;
    const { page: p, errors } = await page("/automations");
    expect(await p.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Automations");
    await p.getByRole("link", { name: "New automation" }).click();
    const field = p.getByLabel("Automation (JSON)");
    await field.fill('{"name": "x", ');
    await p.getByRole("button", { name: "Create automation" }).click();
    await p.locator("#new-automation-json-error").waitFor();
    expect(await p.locator("#new-automation-json-error").textContent()).toContain("Not valid JSON");
    expect(await field.inputValue()).toBe('{"name": "x", ');

    const bad = { name: "fails", trigger: { posture: "Sometimes", expect: ["prefect.flow-run.Failed"] }, actions: [] };
    await field.fill(JSON.stringify(bad));
    await p.getByRole("button", { name: "Create automation" }).click();
    await p.locator("#new-automation-json-error").waitFor();
    expect(await p.locator("#new-automation-json-error li").allTextContents()).toEqual([
      "trigger.posture: Input should be 'Reactive', 'Proactive'",
    ]);
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect((await all()).length).toBe(before);

    const good = {
      name: "on failure",
      trigger: {
        posture: "Reactive",
        expect: ["prefect.flow-run.Failed"],
        match: { "prefect.resource.id": "prefect.flow-run.*" },
      },
      actions: [{ type: "send-notification", block_document_id: hook, body: "{{ flow_run.name }} failed" }],
    };
    await field.fill(JSON.stringify(good));
    await p.getByRole("button", { name: "Create automation" }).click();
    await p.getByText('Automation "on failure" created.').waitFor();
    expect(await p.locator(".trigger-words").textContent()).toBe(
      "When prefect.flow-run.Failed is seen for a resource whose prefect.resource.id is prefect.flow-run.*",
    );
    expect((await all()).length).toBe(before + 1);
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  test("toggle with htmx, fire on a failing run, link from the run, edit, delete", async () => {
    const [made] = (await all()).filter((a) => a.name === "on failure");
    const id = made!.id as string;
    const asked: string[] = [];
    const { page: p, errors } = await page("/automations", { confirm: asked });
    const row = p.locator(`tr[data-automation="${id}"]`);
    const words = 'Send a notification to block failing-hook: "Prefect automated notification"';
    expect(await row.locator("td:nth-child(3)").textContent()).toBe(words);
    const toggle = row.getByRole("switch");
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    await toggle.click();
    await row.locator('[role=switch][aria-checked="false"]').waitFor();
    expect((await api(`/automations/${id}`)).enabled).toBe(false);
    await row.getByRole("switch").click();
    await row.locator('[role=switch][aria-checked="true"]').waitFor();
    expect((await api(`/automations/${id}`)).enabled).toBe(true);
    expect(p.url()).toEndWith("/automations");

    await Bun.sleep(300); // the triggers reload the automations after its updated event
    const runId = await failRun();
    const { page: d } = await page(`/automations/${id}`, { confirm: asked });
    const firing = d.locator("table.firings tbody tr").first();
    const end = Date.now() + 8000;
    while (!(await firing.locator("td:nth-child(5)", { hasText: "500" }).count()) && Date.now() < end) {
      await Bun.sleep(200);
      await d.reload();
    }
    expect(await firing.locator("td:nth-child(2)").textContent()).toBe(words);
    expect(["PENDING", "FAILED"]).toContain((await firing.locator("td:nth-child(3)").textContent()) ?? "");
    expect(Number(await firing.locator("td:nth-child(4)").textContent())).toBeGreaterThanOrEqual(1);
    expect(await firing.locator("td:nth-child(5)").textContent()).toBe("500");
    expect(await firing.locator("td:nth-child(6)").textContent()).toContain("500");
    expect(await firing.locator("td:nth-child(7) a").getAttribute("href")).toBe(`/runs/${runId}`);
    const { page: run } = await page(`/runs/${runId}`);
    expect(await run.locator("#automations a").allTextContents()).toEqual(["on failure"]);
    expect(await run.locator("#automations a").getAttribute("href")).toBe(`/automations/${id}`);

    const field = d.getByLabel("Automation (JSON)");
    const edited = JSON.parse(await field.inputValue());
    expect(edited.trigger.id).toBeUndefined();
    await field.fill(JSON.stringify({ ...edited, actions: [{ type: "cancel-flow-run", extra: 1 }, { type: "nope" }] }));
    await d.getByRole("button", { name: "Save automation" }).click();
    await d.locator("#edit-automation-json-error").waitFor();
    expect(await d.locator("#edit-automation-json-error li").first().textContent()).toStartWith("actions.1.type:");
    expect((await api(`/automations/${id}`)).actions).toEqual(made!.actions);
    await d.getByLabel("Automation (JSON)").fill(JSON.stringify({ ...edited, actions: [{ type: "cancel-flow-run" }] }));
    await d.getByRole("button", { name: "Save automation" }).click();
    await d.getByText("Automation saved.").waitFor();
    expect(await d.locator(".action-words li").allTextContents()).toEqual(["Cancel the flow run"]);
    expect((await api(`/automations/${id}`)).actions).toEqual([{ type: "cancel-flow-run" }]);

    await d.getByRole("button", { name: "Delete automation" }).click();
    await d.getByText('Automation "on failure" deleted.').waitFor();
    expect(asked).toEqual(['Delete the automation "on failure"? Its queued actions are dropped.']);
    expect((await all()).some((a) => a.id === id)).toBe(false);
    expect(unexpectedErrors(errors)).toEqual([]);
  });

  test("forged forms and bad switches are refused and change nothing", async () => {
    for (const [path, form] of [
      ["/automations", "&json=%7B%7D"],
      [`/automations/${seeded}`, "&json=%7B%7D"],
      [`/automations/${seeded}/enabled`, "&enabled=false"],
      [`/automations/${seeded}/delete`, ""],
    ]) {
      expect({ path, status: await dash.postForged(path, form) }).toEqual({ path, status: 403 });
    }
    const { page: p } = await page(`/automations/${seeded}`);
    const status = await p.evaluate(async (id) => {
      const token = JSON.parse(document.body.getAttribute("hx-headers:inherited") ?? "{}")["X-CSRF-Token"];
      const r = await fetch(`/automations/${id}`, {
        method: "PATCH",
        headers: { "x-csrf-token": token, "content-type": "application/x-www-form-urlencoded" },
        body: "enabled=maybe",
      });
      return r.status;
    }, seeded);
    expect(status).toBe(422);
    expect((await api(`/automations/${seeded}`)).enabled).toBe(true);
  });
});
