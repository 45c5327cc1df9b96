// The dashboard's deployment pages in Chromium, against the compiled binary: seeded through the API as a
// client would, driven as a user would (the Run button, confirmations), checked through the API.
import { beforeAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { parameterIssues } from "../../src/schemas/parameters.ts";
import { tempHome } from "../support/binary.ts";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, unexpectedErrors, useDashboard } from "../support/dashboard.ts";

// Hostile text wherever users control it. Flow and deployment names refuse < > / % &, so quotes there.
const FLOW = `etl "x" onmouseover=alert(1)`;
const DEPLOYMENT = `nightly 'q' "onclick=alert(2)"`;
const DESCRIPTION = "<script>alert(3)</script> loads the <b>warehouse</b>";
const TAG = "<img src=x onerror=alert(4)>";
const TITLE = `<script>alert(5)</script> "count"`;

const SCHEMA = {
  type: "object",
  properties: {
    n: { type: "integer", title: TITLE, description: "<i>how many</i>", position: 0 },
    flag: { type: "boolean", title: "flag", default: false, position: 1 },
    color: { allOf: [{ $ref: "#/definitions/Color" }], default: "red", position: 2 },
    options: { type: "object", title: "options", position: 3 },
  },
  required: ["n"],
  definitions: { Color: { enum: ["red", "green"], title: "Color", type: "string" } },
};

describe.if(HAVE_CHROMIUM)("deployment pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  let flowId: string;
  /** Scheduled every hour and every day at 09:00 in Paris; parameters with a schema; hostile text. */
  let scheduled: J;
  /** No schedules, so nothing but the Run form ever makes its runs. */
  let manual: J;

  const runsOf = (id: string) =>
    api("/flow_runs/filter", { method: "POST", json: { deployments: { id: { any_: [id] } }, sort: "ID_DESC" } });

  beforeAll(async () => {
    flowId = (await api("/flows/", { method: "POST", json: { name: FLOW } })).id;
    scheduled = await api("/deployments/", {
      method: "POST",
      json: {
        name: DEPLOYMENT,
        flow_id: flowId,
        description: DESCRIPTION,
        tags: [TAG, "nightly"],
        entrypoint: "flows/etl.py:etl",
        schedules: [{ schedule: { interval: 3600 } }, { schedule: { cron: "0 9 * * *", timezone: "Europe/Paris" } }],
        parameter_openapi_schema: SCHEMA,
        parameters: { n: 3 },
      },
    });
    manual = await api("/deployments/", {
      method: "POST",
      json: { name: "manual", flow_id: flowId, parameter_openapi_schema: SCHEMA, parameters: {} },
    });
    // Runs the home page lists: one Late and one upcoming, both made from the deployment.
    // Sooner than any run the scheduler makes for the hourly schedule, so it heads the upcoming list.
    const soon = new Date(Date.now() + 300_000).toISOString();
    const late = new Date(Date.now() - 3600_000).toISOString();
    for (const [name, stateName, at] of [
      ["late-one", "Late", late],
      ["upcoming-one", "Scheduled", soon],
    ]) {
      await api(`/deployments/${manual.id}/create_flow_run`, {
        method: "POST",
        json: {
          name,
          parameters: { n: 1 },
          state: { type: "SCHEDULED", name: stateName, state_details: { scheduled_time: at } },
        },
      });
    }
    // Finished runs of the scheduled deployment: its last-runs bars.
    for (const type of ["COMPLETED", "FAILED"])
      await api(`/deployments/${scheduled.id}/create_flow_run`, { method: "POST", json: { state: { type } } });
    // A run of the flow made without a deployment: the deployment filter leaves it out.
    await api("/flow_runs/", {
      method: "POST",
      json: { flow_id: flowId, name: "no-deployment", state: { type: "COMPLETED" } },
    });
  });

  test("the deployment pages load without console errors, and hostile names stay text", async () => {
    const paths: Array<[string, string]> = [
      ["deployments", "/deployments"],
      ["deployment", `/deployments/${scheduled.id}`],
      ["deployment-run", `/deployments/${scheduled.id}/run`],
      ["flow-deployments", `/flows/${flowId}`],
      ["runs-of-deployment", `/runs?deployment=${manual.id}&since=all`],
      ["dashboard-upcoming", "/?window=24h"],
    ];
    await dash.expectCleanPages(paths, "img, b, i");
    const { page: list } = await page("/deployments");
    const row = list.locator("table.deployments tbody tr", { hasText: "nightly 'q'" });
    expect(await row.getByRole("link", { name: DEPLOYMENT }).isVisible()).toBe(true);
    expect(await row.getByRole("link", { name: FLOW }).isVisible()).toBe(true);
    expect(await row.getByText("Every hour").isVisible()).toBe(true);
    expect(await row.getByText("At 09:00, Europe/Paris").isVisible()).toBe(true);
    expect(await row.getByText("Not ready").isVisible()).toBe(true);
    expect(await row.getByText(TAG).isVisible()).toBe(true);
    expect(await row.locator("time").count()).toBe(1);
    expect(await row.locator("svg.run-bars rect.state-completed").count()).toBe(1);
    expect(await row.locator("svg.run-bars rect.state-failed").count()).toBe(1);
    // The next run is the soonest one not yet late.
    const manualRow = list.locator("table.deployments tbody tr", { hasText: "manual" });
    expect(await manualRow.locator("time").getAttribute("datetime")).toBe(
      (await runsOf(manual.id)).find((r: J) => r.name === "upcoming-one").expected_start_time,
    );
    // The name search narrows the list.
    await list.fill("input[name=q]", "manu");
    await list.getByRole("button", { name: "Filter" }).click();
    await list.waitForURL(/q=manu/);
    expect(await list.locator("table.deployments tbody tr td:first-child a").allTextContents()).toEqual(["manual"]);

    const { page: dep } = await page(`/deployments/${scheduled.id}`);
    expect(await dep.locator("h1").textContent()).toContain(DEPLOYMENT);
    expect(await dep.getByText(DESCRIPTION).isVisible()).toBe(true);
    expect(await dep.getByText("flows/etl.py:etl").isVisible()).toBe(true);
    // Each schedule lists its next three dates.
    expect(await dep.locator("ul.schedules li").first().locator("time").count()).toBe(3);
    await dep.getByRole("button", { name: "Run" }).click();
    await dep.locator("#run-form").waitFor();
    expect(await dep.locator("#run-form label").first().textContent()).toContain(TITLE);
    expect(await dep.getByText("<i>how many</i>").isVisible()).toBe(true);

    // Phone width: no horizontal page scroll, the Run form open included.
    for (const path of ["/deployments", `/deployments/${scheduled.id}/run`]) {
      const { page: p, overflow } = await dash.phoneOverflow(path);
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      await p.close();
    }
  });

  test("the Run form shows the schema's errors inline and stores nothing", async () => {
    const before = (await runsOf(manual.id)).length;
    const { page: p, errors } = await page(`/deployments/${manual.id}`);
    await p.getByRole("button", { name: "Run" }).click();
    const form = p.locator("#run-form");
    await form.waitFor();
    // Typed inputs with the defaults filled in; the required one marked.
    expect(await form.locator("[name='param:flag']").inputValue()).toBe("false");
    expect(await form.locator("[name='param:color']").inputValue()).toBe('"red"');
    expect(await form.locator("textarea[name='param:options']").count()).toBe(1);
    expect(await form.locator("[name='param:n']").getAttribute("aria-required")).toBe("true");

    // A value that is not an integer: the message the API gives, next to the field, with a 422.
    const expected = parameterIssues({ n: "seven", flag: false, color: "red" }, SCHEMA)[0];
    expect(expected.path).toEqual(["n"]);
    await form.locator("[name='param:n']").fill("seven");
    const [response] = await Promise.all([
      p.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/run")),
      form.getByRole("button", { name: "Start run" }).click(),
    ]);
    expect(response.status()).toBe(422);
    const nInput = p.locator("#run-form [name='param:n']");
    await p.locator("#run-form .field-error").first().waitFor();
    expect(await nInput.getAttribute("aria-invalid")).toBe("true");
    const errorId = await nInput.getAttribute("aria-describedby");
    expect((await p.locator(`#${errorId}`).textContent())?.trim()).toBe(expected.message);
    expect(await nInput.inputValue()).toBe("seven");

    // Bad JSON in an object field is refused before the schema is asked.
    await nInput.fill("");
    await p.locator("#run-form textarea[name='param:options']").fill("{not json");
    await p.locator("#run-form").getByRole("button", { name: "Start run" }).click();
    await p.locator("#run-form textarea[aria-invalid=true]").waitFor();
    expect(await p.locator("#run-form .field-error").textContent()).toContain("is not valid JSON");

    // A required parameter left empty.
    await p.locator("#run-form textarea[name='param:options']").fill("");
    await p.locator("#run-form").getByRole("button", { name: "Start run" }).click();
    await p.locator("#run-form [name='param:n'][aria-invalid=true]").waitFor();
    const required = parameterIssues({ flag: false, color: "red" }, SCHEMA)[0].message;
    expect(await p.locator("#run-form .field-error").textContent()).toBe(required);

    expect((await runsOf(manual.id)).length).toBe(before);
    // Chromium logs every 4xx response it fetched; the three refusals are the 422s asked for, nothing else.
    expect(unexpectedErrors(errors)).toEqual([]);
    expect(errors.length).toBe(3);
  });

  test("the Run form starts a run with typed parameters and opens it", async () => {
    const { page: p, errors } = await page(`/deployments/${manual.id}`);
    await p.getByRole("button", { name: "Run" }).click();
    const form = p.locator("#run-form");
    await form.waitFor();
    await form.locator("[name='param:n']").fill("7");
    await form.locator("[name='param:flag']").selectOption("true");
    await form.locator("[name='param:color']").selectOption({ label: "green" });
    await form.locator("[name='param:options']").fill('{"depth": 2, "dry": false}');
    await form.getByRole("button", { name: "Start run" }).click();
    await p.waitForURL(/\/runs\/[0-9a-f-]{36}\?notice=/);
    await p.getByText("Flow run created from the deployment.").waitFor();
    const runId = new URL(p.url()).pathname.split("/").at(-1)!;
    const run = await api(`/flow_runs/${runId}`);
    expect(run.deployment_id).toBe(manual.id);
    expect(run.parameters).toEqual({ n: 7, flag: true, color: "green", options: { depth: 2, dry: false } });
    expect(typeof run.parameters.n).toBe("number");
    expect(typeof run.parameters.flag).toBe("boolean");
    expect(run.state.type).toBe("SCHEDULED");
    // Without JavaScript the form is a page of its own and posts back the same way.
    const r = await fetch(`${dash.base}/deployments/${manual.id}/run`, { headers: { accept: "text/html" } });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('id="run-form"');
    expect(errors).toEqual([]);
  });

  test("a deployment the real SDK registered shows its schedule and runs from the form, typed", async () => {
    // The SDK makes the schema (pydantic's, with positions and defaults) and the schedule itself.
    const dir = tempHome();
    const script = join(dir, "sdk_flows.py");
    await Bun.write(
      script,
      [
        "from prefect import flow",
        "@flow(name='sdk-made')",
        "def sdk_made(count: int, label: str = 'x', loud: bool = False):",
        "    return count",
        "if __name__ == '__main__':",
        "    print('@@' + str(sdk_made.to_deployment(name='by-sdk', cron='30 9 * * *').apply()))",
      ].join("\n"),
    );
    const python = resolve(import.meta.dir, "..", "..", ".venv", "bin", "python");
    const applied = Bun.spawnSync([python, script], {
      cwd: dir,
      env: { ...process.env, PREFECT_API_URL: `${dash.base}/api`, PREFECT_HOME: join(dir, "home") },
    });
    const out = applied.stdout.toString();
    expect({ exit: applied.exitCode, err: applied.exitCode ? applied.stderr.toString().slice(-2000) : "" }).toEqual({
      exit: 0,
      err: "",
    });
    const id = out.split("@@")[1].trim();
    const { page: p, errors } = await page(`/deployments/${id}`);
    await p.getByText("by-sdk").first().waitFor();
    expect(await p.locator("main").textContent()).toContain("09:30");
    await p.getByRole("button", { name: "Run" }).click();
    const form = p.locator("#run-form");
    await form.waitFor();
    expect(await form.locator("[name='param:label']").inputValue()).toBe("x");
    await form.locator("[name='param:count']").fill("4");
    await form.locator("[name='param:loud']").selectOption("true");
    await form.getByRole("button", { name: "Start run" }).click();
    await p.waitForURL(/\/runs\/[0-9a-f-]{36}\?notice=/);
    const run = await api(`/flow_runs/${new URL(p.url()).pathname.split("/").at(-1)}`);
    expect(run.deployment_id).toBe(id);
    expect(run.parameters).toEqual({ count: 4, label: "x", loud: true });
    expect(errors).toEqual([]);
  });

  test("pause and resume the deployment and a schedule after confirming; declining changes nothing", async () => {
    const declined = await dash.decline(`/deployments/${scheduled.id}`, "Pause deployment");
    expect(declined).toEqual({
      asked: ["Pause this deployment? Its scheduled runs that have not started are deleted."],
      errors: [],
    });
    expect((await api(`/deployments/${scheduled.id}`)).paused).toBe(false);

    const confirmed: string[] = [];
    const { page: p, errors } = await page(`/deployments/${scheduled.id}`, { confirm: confirmed });
    await p.getByRole("button", { name: "Pause deployment" }).click();
    await p.getByText("Deployment paused.").waitFor();
    expect((await api(`/deployments/${scheduled.id}`)).paused).toBe(true);
    expect(await p.locator(".detail-header .badge").first().textContent()).toBe("Paused");
    await p.getByRole("button", { name: "Resume deployment" }).click();
    await p.getByText("Deployment resumed.").waitFor();
    expect((await api(`/deployments/${scheduled.id}`)).paused).toBe(false);

    const first = scheduled.schedules[0].id;
    const active = async () =>
      (await api(`/deployments/${scheduled.id}/schedules`)).find((s: J) => s.id === first).active;
    await p.locator("ul.schedules li").first().getByRole("button", { name: "Pause schedule" }).click();
    await p.getByText("Schedule paused.").waitFor();
    expect(await active()).toBe(false);
    expect(await p.locator("ul.schedules li").first().locator(".badge").textContent()).toBe("Paused");
    expect(await p.locator("ul.schedules li").first().locator("time").count()).toBe(0);
    await p.locator("ul.schedules li").first().getByRole("button", { name: "Resume schedule" }).click();
    await p.getByText("Schedule resumed.").waitFor();
    expect(await active()).toBe(true);
    expect(confirmed).toEqual([
      "Pause this deployment? Its scheduled runs that have not started are deleted.",
      "Resume this deployment? Its schedules start making runs again.",
      "Pause this schedule?",
      "Resume this schedule?",
    ]);
    expect(errors).toEqual([]);
  });

  test("runs filter by deployment; the flow page and the home page link to deployments", async () => {
    const { page: dep } = await page(`/deployments/${manual.id}`);
    await dep.getByRole("link", { name: "All runs of this deployment →" }).click();
    await dep.waitForURL(/deployment=/);
    const names = await dep.locator("table.runs tbody tr td:nth-child(2) a").allTextContents();
    const expected = (await runsOf(manual.id)).map((r: J) => r.name);
    expect(names.sort()).toEqual(expected.sort());
    expect(names).not.toContain("no-deployment");
    expect(await dep.getByText("Runs of deployment").isVisible()).toBe(true);
    // Changing another filter keeps the deployment.
    await dep.selectOption("select[name=state]", "SCHEDULED");
    await dep.waitForURL(/state=SCHEDULED/);
    expect(new URL(dep.url()).searchParams.get("deployment")).toBe(manual.id);

    const { page: flow } = await page(`/flows/${flowId}`);
    const deps = flow.locator("table.deployments tbody tr td:first-child a");
    expect((await deps.allTextContents()).sort()).toEqual(["manual", DEPLOYMENT].sort());

    const { page: home } = await page("/?window=24h");
    for (const [section, run] of [
      ["#late-h", "late-one"],
      ["#upcoming-h", "upcoming-one"],
    ]) {
      const card = home.locator("section.card", { has: home.locator(section) });
      const row = card.locator("tr", { hasText: run });
      expect(await row.locator("a.deployment-link").getAttribute("href")).toBe(`/deployments/${manual.id}`);
    }
    await home
      .locator("section.card", { has: home.locator("#late-h") })
      .locator("a.deployment-link")
      .click();
    await home.waitForURL(new RegExp(`/deployments/${manual.id}$`));
  });

  test("unknown deployments and forged forms are refused", async () => {
    const missing = await fetch(`${dash.base}/deployments/00000000-0000-4000-8000-000000000000`, {
      headers: { accept: "text/html" },
    });
    expect(missing.status).toBe(404);
    for (const action of ["pause", "run", `schedules/${scheduled.schedules[0].id}/pause`]) {
      const status = await dash.postForged(`/deployments/${scheduled.id}/${action}`, "&param%3An=1");
      expect({ action, status }).toEqual({ action, status: 403 });
    }
    expect((await api(`/deployments/${scheduled.id}`)).paused).toBe(false);
  });
});
