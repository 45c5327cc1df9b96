// The Notifications page in Chromium against the compiled binary: create a notification from the
// sentence form, see it fire on a failing tagged run (the request at a local receiver, the delivery
// on the page), send a test through its channel, pause it (nothing more is sent), template errors shown by their field with nothing
// written, hostile names kept as text, delete.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, useDashboard } from "../support/dashboard.ts";

const HOSTILE = "<img src=x onerror=alert(1)> <b>alerts</b>";

describe.if(HAVE_CHROMIUM)("notifications page in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  const got: J[] = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      got.push(JSON.parse((await req.text()) || "{}"));
      return new Response("ok");
    },
  });
  let flowId = "";
  afterAll(() => receiver.stop(true));

  beforeAll(async () => {
    await dash.webhookBlock("team-hook", `http://127.0.0.1:${receiver.port}/hook`, { s: "{{subject}}", b: "{{body}}" });
    flowId = (await api("/flows/", { method: "POST", json: { name: "daily" } })).id;
  });

  const failRun = async (tags: string[]) => {
    const run = await api("/flow_runs/", {
      method: "POST",
      json: { flow_id: flowId, tags, state: { type: "RUNNING" } },
    });
    await api(`/flow_runs/${run.id}/set_state`, { method: "POST", json: { state: { type: "FAILED" } } });
  };
  const waitFor = async (ok: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await Bun.sleep(100);
    return ok();
  };

  test("template errors are shown inline and nothing is written", async () => {
    const { page: p } = await page("/notifications");
    await p.locator("input[name=name]").fill("broken");
    await p.locator("select[name=block]").selectOption({ label: "team-hook (Custom Webhook)" });
    await p.locator("textarea[name=body]").fill("{{ flow_run.name ");
    await p.getByRole("button", { name: "Create notification" }).click();
    await p.locator("p.error").first().waitFor();
    expect(await p.locator("p.error").first().textContent()).toContain("Not a valid template");
    expect(await p.locator("textarea[name=body]").inputValue()).toBe("{{ flow_run.name ");
    expect(((await api("/automations/filter", { method: "POST", json: {} })) as unknown as J[]).length).toBe(0);
  });

  test("create from the form, fire on a failing tagged run, pause, delete", async () => {
    const asked: string[] = [];
    const { page: p, errors } = await page("/notifications", { confirm: asked });
    expect(await p.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Notifications");
    await p.locator("input[name=name]").fill(HOSTILE);
    await p.locator("input[name=tags]").fill("daily-etl");
    await p.locator("select[name=block]").selectOption({ label: "team-hook (Custom Webhook)" });
    await p.locator("input[name=subject]").fill("{{ flow_run.name }} failed");
    await p.getByRole("button", { name: "Create notification" }).click();
    await p.locator(".flash, [role=status]").first().waitFor();
    const item = p.locator("li[data-notification]");
    expect(await item.locator("strong").textContent()).toBe(HOSTILE);
    expect(await p.locator("main img").count()).toBe(0);
    expect(await item.locator(".sentence").textContent()).toBe(
      "If a run of any flow with tags daily-etl enters Failed, send a notification to team-hook (Custom Webhook).",
    );
    const [automation] = (await api("/automations/filter", { method: "POST", json: {} })) as unknown as J[];
    expect(automation!.trigger.expect).toEqual(["prefect.flow-run.Failed"]);

    await Bun.sleep(300); // the triggers reload the automations after its created event
    await failRun(["other"]);
    await failRun(["daily-etl"]);
    if (!(await waitFor(() => got.length >= 1))) {
      const evs = await api("/events/filter", {
        method: "POST",
        json: { filter: { event: { prefix: ["prefect.automation", "prefect.flow-run.Failed"] } } },
      });
      throw new Error(JSON.stringify(evs.events.map((e: J) => [e.event, e.payload, e.related])).slice(0, 3000));
    }
    expect(got[0]!.b).toContain("observed in state `Failed`");
    await Bun.sleep(500);
    expect(got.length).toBe(1);
    await p.reload();
    expect(await p.locator(".deliveries li").first().textContent()).toContain("DELIVERED");

    // "Send test": the test message through the same channel, now, with the outcome on the page.
    await p.getByRole("button", { name: "Send test" }).click();
    await p.locator(".flash, [role=status]", { hasText: "sent (HTTP 200)" }).first().waitFor();
    expect(got.length).toBe(2);
    expect(got[1]!.s).toBe(`Test notification from prefect-lite: ${HOSTILE}`);
    expect(await p.locator("main img").count()).toBe(0);
    got.splice(1);

    await p.getByRole("button", { name: "Pause" }).click();
    await p.locator(".badge", { hasText: "Paused" }).waitFor();
    expect((await api(`/automations/${automation!.id}`)).enabled).toBe(false);
    await Bun.sleep(300);
    await failRun(["daily-etl"]);
    await Bun.sleep(1500);
    expect(got.length).toBe(1);

    await p.getByRole("button", { name: "Delete" }).click();
    await p.getByText("No notifications yet").waitFor();
    expect(asked[0]).toContain("Delete the notification");
    expect(errors.filter((e) => !/422|Unprocessable/.test(e))).toEqual([]);
  });
});
