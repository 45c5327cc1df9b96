// The dashboard's Concurrency page in Chromium, against the compiled binary: limits and holders seeded
// through the API as the SDK would take them, then created, changed, deactivated, reset and deleted as a
// user would (confirmations, refused fields shown by the field), each checked through the API.
import { beforeAll, describe, expect, test } from "bun:test";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, useDashboard } from "../support/dashboard.ts";

const GLOBAL = `db "pool" ✓`;
const TAG = `<b>warehouse</b> "etl" ü`;

describe.if(HAVE_CHROMIUM)("the Concurrency page in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  const taskRun = crypto.randomUUID();
  let lease: J;

  beforeAll(async () => {
    await api("/v2/concurrency_limits/", { method: "POST", json: { name: GLOBAL, limit: 3 } });
    await api("/v2/concurrency_limits/", {
      method: "POST",
      json: { name: "rate limit", limit: 2, slot_decay_per_second: 0.5 },
    });
    await api("/concurrency_limits/", { method: "POST", json: { tag: TAG, concurrency_limit: 2 } });
    lease = await api("/v2/concurrency_limits/increment-with-lease", {
      method: "POST",
      json: { names: [GLOBAL, `tag:${TAG}`], slots: 1, lease_duration: 600, holder: { type: "task_run", id: taskRun } },
    });
  });

  test("limits with their slots and holders; hostile names stay text; phone width fits", async () => {
    await dash.expectCleanPages([["concurrency", "/concurrency"]], "main b");
    const { page: p } = await page("/concurrency");
    expect(await p.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Concurrency");
    const row = p.locator("table.concurrency-limits tbody tr", { hasText: "pool" });
    expect(await row.locator("td.slots").textContent()).toBe("1 / 3");
    expect(await row.locator("td").nth(3).textContent()).toBe("active");
    const holder = row.locator("ul.holders a");
    expect(await holder.textContent()).toBe(`task run ${taskRun.slice(0, 8)}`);
    expect(await holder.getAttribute("href")).toBe(`/task-runs/${taskRun}`);
    const rate = p.locator("table.concurrency-limits tbody tr", { hasText: "rate" });
    expect(await rate.locator("td").nth(2).textContent()).toBe("0.5/s");
    expect(await rate.locator("td code").textContent()).toBe("rate limit");
    const tag = p.locator("table.tag-limits tbody tr");
    expect(await tag.locator("td code").textContent()).toBe(TAG);
    expect(await tag.locator("td.slots").textContent()).toBe("1 / 2");
    expect(await tag.locator("ul.holders a").getAttribute("href")).toBe(`/task-runs/${taskRun}`);
    const { page: phone, overflow } = await dash.phoneOverflow("/concurrency");
    expect(overflow).toBe(0);
    await phone.close();
  });

  test("create a global and a tag limit; bad fields and a taken name are refused by the field", async () => {
    const { page: p, errors } = await page("/concurrency");
    await p.locator("#create-limit-name").fill("");
    await p.locator("#create-limit-limit").fill("-2");
    await p.locator("#create-limit-slot_decay_per_second").fill("fast");
    await p.getByRole("button", { name: "Create limit" }).click();
    await p.locator("#create-limit-name-error").waitFor();
    expect(await p.locator("#create-limit-name-error").textContent()).toBe("Enter a name.");
    expect(await p.locator("#create-limit-limit-error").textContent()).toContain("cannot be negative");
    expect(await p.locator("#create-limit-slot_decay_per_second-error").textContent()).toContain("number");
    // What was typed stays.
    expect(await p.locator("#create-limit-limit").inputValue()).toBe("-2");
    await p.locator("#create-limit-name").fill(GLOBAL);
    await p.locator("#create-limit-limit").fill("4");
    await p.locator("#create-limit-slot_decay_per_second").fill("0");
    await p.getByRole("button", { name: "Create limit" }).click();
    await p.locator("#create-limit-name-error").getByText("already exists").waitFor();

    await p.locator("#create-limit-name").fill("api calls");
    await p.getByRole("button", { name: "Create limit" }).click();
    await p.getByText('Concurrency limit "api calls" created.').waitFor();
    expect(await api(`/v2/concurrency_limits/${encodeURIComponent("api calls")}`)).toMatchObject({
      limit: 4,
      active: true,
    });

    await p.locator("#create-tag-tag").fill("gpu");
    await p.locator("#create-tag-limit").fill("1");
    await p.getByRole("button", { name: "Create tag limit" }).click();
    await p.getByText('Tag limit "gpu" created.').waitFor();
    expect(await api("/concurrency_limits/tag/gpu")).toMatchObject({ tag: "gpu", concurrency_limit: 1 });
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  test("change, deactivate, reset and delete after confirming", async () => {
    const confirmed: string[] = [];
    const { page: p, errors } = await page("/concurrency", { confirm: confirmed });
    const id = (await api(`/v2/concurrency_limits/${encodeURIComponent(GLOBAL)}`)).id as string;
    await p.locator(`#edit-${id}-limit`).fill("x");
    await p.locator(`#limit-${id}`).getByRole("button", { name: "Save" }).click();
    await p.locator(`#edit-${id}-limit-error`).waitFor();
    expect(await p.locator(`#edit-${id}-limit-error`).textContent()).toBe("Enter a whole number.");
    await p.locator(`#edit-${id}-limit`).fill("7");
    await p.locator(`#limit-${id}`).getByRole("button", { name: "Save" }).click();
    await p.getByText(`Concurrency limit "${GLOBAL}" set to 7.`).waitFor();
    expect((await api(`/v2/concurrency_limits/${id}`)).limit).toBe(7);

    await p.locator(`#limit-${id}`).getByRole("button", { name: "Deactivate" }).click();
    await p.getByText(`Concurrency limit "${GLOBAL}" deactivated.`).waitFor();
    expect((await api(`/v2/concurrency_limits/${id}`)).active).toBe(false);

    const tagRow = p.locator("table.tag-limits tbody tr", { hasText: TAG });
    await tagRow.getByRole("button", { name: "Reset" }).click();
    await p.getByText(`Tag limit "${TAG}" reset`).waitFor();
    expect((await api(`/concurrency_limits/tag/${encodeURIComponent(TAG)}`)).active_slots).toEqual([]);
    expect(
      (
        await fetch(`${dash.base}/api/v2/concurrency_limits/leases/${lease.lease_id}/renew`, {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(410);

    await p.locator(`#limit-${id}`).getByRole("button", { name: "Delete" }).click();
    await p.getByText(`Concurrency limit "${GLOBAL}" deleted.`).waitFor();
    expect(await p.locator(`#limit-${id}`).count()).toBe(0);
    expect(confirmed).toEqual([
      `Change the limit "${GLOBAL}"?`,
      `Change the limit "${GLOBAL}"?`,
      `Reset tag "${TAG}"? Every task run holding a slot loses it.`,
      `Delete the limit "${GLOBAL}"? Its holders lose their slots.`,
    ]);
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  test("a deployment's page shows its limit and the runs waiting for a slot", async () => {
    const flow = await api("/flows/", { method: "POST", json: { name: "limited" } });
    const d = await api("/deployments/", {
      method: "POST",
      json: { name: "one-at-a-time", flow_id: flow.id, concurrency_limit: 1 },
    });
    const run = async (name: string) =>
      (await api(`/deployments/${d.id}/create_flow_run`, { method: "POST", json: { name } })).id;
    const [first, second] = [await run("first-one"), await run("waiting-one")];
    for (const id of [first, second])
      await api(`/flow_runs/${id}/set_state`, { method: "POST", json: { state: { type: "PENDING" } } });
    const { page: p, errors } = await page(`/deployments/${d.id}`);
    const card = p.locator("section.deployment-concurrency");
    expect(await card.locator(".slots").textContent()).toBe("1 / 1");
    expect(await card.textContent()).toContain("new runs wait");
    expect(await card.locator("table.runs tbody tr td:first-child a").allTextContents()).toEqual(["waiting-one"]);
    expect(errors).toEqual([]);
  });

  test("a forged CSRF token changes nothing", async () => {
    expect(await dash.postForged("/concurrency/tags", "&tag=forged&limit=1")).toBe(403);
    await expect(api("/concurrency_limits/tag/forged")).rejects.toThrow(/404/);
  });
});
