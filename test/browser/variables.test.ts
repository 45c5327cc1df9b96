// The dashboard's variable pages in Chromium, against the compiled binary: the list and its search, the
// create and edit forms (JSON checked as typed and again by the server, problems by their fields,
// nothing written on a refusal), delete after confirming, checked through the API.
import { beforeAll, describe, expect, test } from "bun:test";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, useDashboard } from "../support/dashboard.ts";

const HOSTILE = "hostile_var";
const HOSTILE_VALUE = "<img src=x onerror=alert(1)> <b>bold</b>";

describe.if(HAVE_CHROMIUM)("variable pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  const variable = (name: string) => api(`/variables/name/${name}`);
  const missing = async (name: string) => {
    const r = await fetch(`${dash.base}/api/variables/name/${name}`);
    return r.status === 404;
  };

  beforeAll(async () => {
    await api("/variables/", { method: "POST", json: { name: HOSTILE, value: HOSTILE_VALUE, tags: ["<b>tag</b>"] } });
    await api("/variables/", { method: "POST", json: { name: "config_obj", value: { retries: 3, tags: ["a"] } } });
    await api("/variables/", { method: "POST", json: { name: "to_delete", value: 1 } });
  });

  test("the pages load without console errors, and hostile text stays text", async () => {
    await dash.expectCleanPages(
      [
        ["variables", "/variables"],
        ["variable", `/variables/${HOSTILE}`],
        ["variables-search", "/variables?q=config"],
      ],
      "main img, main b",
    );
    const { page: p } = await page("/variables");
    expect(await p.locator("nav[aria-label=Main] a[aria-current=page]").textContent()).toBe("Variables");
    const row = p.locator("table.variables tbody tr", { hasText: HOSTILE });
    expect(await row.locator("td:nth-child(2)").textContent()).toBe(JSON.stringify(HOSTILE_VALUE));
    expect(await row.locator(".tag").textContent()).toBe("<b>tag</b>");
    const { page: s } = await page("/variables?q=config");
    expect(await s.locator("table.variables tbody tr td:first-child a").allTextContents()).toEqual(["config_obj"]);
    const { overflow } = await dash.phoneOverflow("/variables");
    expect(overflow).toBe(0);
  });

  test("create from the form; bad JSON, names and duplicates are refused by their fields", async () => {
    const { page: p, errors } = await page("/variables");
    const value = p.locator("#new-variable-value");
    // Checked as it is typed.
    await value.fill("{not json");
    expect(await p.locator("#new-variable-value-live").textContent()).toContain("Not valid JSON yet");
    expect(await value.getAttribute("aria-invalid")).toBe("true");
    await value.fill('{"ok": true}');
    expect(await p.locator("#new-variable-value-live").textContent()).toBe("");

    // Refused by the server too, with what was typed kept.
    await p.locator("#new-variable-name").fill("Bad Name");
    await value.fill("[1, 2");
    await p.getByRole("button", { name: "Create variable" }).click();
    await p.locator("#new-variable-name-error").waitFor();
    expect(await p.locator("#new-variable-name-error").textContent()).toContain("lowercase letters");
    expect(await p.locator("#new-variable-value-error").textContent()).toContain("Not valid JSON");
    expect(await p.locator("#new-variable-name").inputValue()).toBe("Bad Name");
    expect(await p.locator("#new-variable-value").inputValue()).toBe("[1, 2");
    expect(await missing("bad name")).toBe(true);

    await p.locator("#new-variable-name").fill(HOSTILE);
    await p.locator("#new-variable-value").fill('"x"');
    await p.getByRole("button", { name: "Create variable" }).click();
    await p.locator("#new-variable-name-error").waitFor();
    expect(await p.locator("#new-variable-name-error").textContent()).toContain("already exists");
    expect((await variable(HOSTILE)).value).toBe(HOSTILE_VALUE);

    await p.locator("#new-variable-name").fill("made_here");
    await p.locator("#new-variable-value").fill('{"rows": [1, 2], "name": "x"}');
    await p.locator("#new-variable-tags").fill("etl, nightly");
    await p.getByRole("button", { name: "Create variable" }).click();
    await p.getByText('Variable "made_here" created.').waitFor();
    expect(await variable("made_here")).toMatchObject({ value: { rows: [1, 2], name: "x" }, tags: ["etl", "nightly"] });
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  test("edit the value and tags; a bad edit writes nothing", async () => {
    const before: J = await variable("config_obj");
    const { page: p, errors } = await page("/variables/config_obj");
    expect(JSON.parse(await p.locator("#edit-variable-value").inputValue())).toEqual({ retries: 3, tags: ["a"] });
    await p.locator("#edit-variable-value").fill('{"retries": ');
    await p.getByRole("button", { name: "Save variable" }).click();
    await p.locator("#edit-variable-value-error").waitFor();
    expect((await variable("config_obj")).updated).toBe(before.updated);
    await p.locator("#edit-variable-value").fill("[true, null, 2.5]");
    await p.locator("#edit-variable-tags").fill("prod");
    await p.getByRole("button", { name: "Save variable" }).click();
    await p.getByText("Variable saved.").waitFor();
    expect(await variable("config_obj")).toMatchObject({ value: [true, null, 2.5], tags: ["prod"] });
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  test("delete after confirming; declining keeps it; forged forms are refused", async () => {
    const declined = await dash.decline("/variables/to_delete", "Delete variable");
    expect(declined.asked).toEqual(['Delete the variable "to_delete"? Flows that read it get their default.']);
    expect(await missing("to_delete")).toBe(false);
    for (const [path, form] of [
      ["/variables/to_delete/delete", ""],
      ["/variables/to_delete", "&value=2"],
      ["/variables", "&name=forged&value=1"],
    ]) {
      expect({ path, status: await dash.postForged(path, form) }).toEqual({ path, status: 403 });
    }
    expect((await variable("to_delete")).value).toBe(1);
    expect(await missing("forged")).toBe(true);
    const confirmed: string[] = [];
    const { page: p, errors } = await page("/variables/to_delete", { confirm: confirmed });
    await p.getByRole("button", { name: "Delete variable" }).click();
    await p.getByText('Variable "to_delete" deleted.').waitFor();
    expect(confirmed).toHaveLength(1);
    expect(await missing("to_delete")).toBe(true);
    expect(errors).toEqual([]);
  });
});
