// The dashboard's Blocks pages in Chromium, against the compiled binary: the catalogue (built-in types
// with logos only from allowed schemes), a Secret created from the generated form and loaded by the real
// SDK, a block nesting it picked from the form, edit keeping the secret, and delete with confirmation.
// The secret never appears in any page's source.
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, SHOTS, unexpectedErrors, useDashboard } from "../support/dashboard.ts";

const SECRET = `pw-${crypto.randomUUID()}`;
const ROOT = resolve(import.meta.dir, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
// The sandbox has no network: a logo fetched from https: fails to load, which Chromium logs.
/** A user block nesting a Secret (Prefect's UI shows it as a picker of saved Secrets). */
const HOLDER = [
  "from prefect.blocks.core import Block",
  "from prefect.blocks.system import Secret",
  "class Holder(Block):",
  "    secret: Secret",
  "    note: str = ''",
].join("\n");
const offline = (errors: string[]) =>
  unexpectedErrors(errors).filter((e) => !/net::ERR_|Failed to load resource/.test(e));

describe.if(HAVE_CHROMIUM)("block pages in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;

  test("the catalogue lists the built-in types with descriptions; hostile logos are not shown", async () => {
    await api("/block_types/", {
      method: "POST",
      json: {
        name: "Hostile type",
        slug: "hostile",
        logo_url: "javascript:alert(1)",
        description: "<img src=x onerror=alert(1)> <b>bold</b>",
      },
    });
    await api("/block_schemas/", {
      method: "POST",
      json: {
        block_type_id: (await api("/block_types/slug/hostile")).id,
        fields: { title: "Hostile", type: "object", properties: { n: { type: "integer", title: "N" } } },
      },
    });
    const { page: p, errors } = await page("/blocks/catalog");
    await p.screenshot({ path: join(SHOTS, "blocks-catalog.png"), fullPage: true });
    expect(offline(errors)).toEqual([]);
    const text = await p.locator("main").textContent();
    for (const name of ["Secret", "Slack Webhook", "Local File System", "Remote File System"])
      expect(text).toContain(name);
    expect(await p.locator("img[src^='javascript']").count()).toBe(0);
    expect(await p.locator("main img[src='x']").count()).toBe(0);
    expect(await p.locator("img.block-logo[src^='https://']").count()).toBeGreaterThan(5);
    expect(await p.locator("script:not([src])").count()).toBe(0);
    await p.close();
  });

  test("a Secret made from the form loads with Block.load; the secret is never in a page", async () => {
    const { page: p, errors } = await page("/blocks/catalog/secret/create");
    expect(await p.locator("input[type=password][name='f.value']").count()).toBe(1);
    await p.getByRole("button", { name: "Create block" }).click();
    await p.waitForLoadState();
    expect(await p.locator(".field-error").count()).toBeGreaterThan(0);
    await p.fill("#block-name", "from-form");
    await p.fill("input[name='f.value']", SECRET);
    await p.getByRole("button", { name: "Create block" }).click();
    await p.waitForURL(/\/blocks\/[0-9a-f-]{36}/);
    expect(await p.content()).not.toContain(SECRET);
    expect(await p.locator("main").textContent()).toContain("********");
    expect(offline(errors)).toEqual([]);
    const blockUrl = dash.base + new URL(p.url()).pathname;
    await p.goto(`${blockUrl}/edit`);
    expect(await p.content()).not.toContain(SECRET);
    // Saved unchanged: the secret stays.
    await p.getByRole("button", { name: "Save block" }).click();
    await p.waitForURL(/notice=/);
    await p.close();

    const load = Bun.spawnSync(
      [PYTHON, "-c", "from prefect.blocks.system import Secret; print(Secret.load('from-form').get())"],
      {
        env: {
          ...process.env,
          PREFECT_API_URL: `${dash.base}/api`,
          PREFECT_HOME: `/tmp/blocks-browser-${process.pid}`,
        },
      },
    );
    expect(load.stdout.toString().trim()).toBe(SECRET);

    const id = new URL(blockUrl).pathname.split("/")[2];
    const prefectUrl = await fetch(`${dash.base}/blocks/block/${id}`, { redirect: "manual" });
    expect(prefectUrl.headers.get("location")).toBe(new URL(blockUrl).pathname);
    for (const path of [
      "/blocks",
      "/blocks/catalog",
      new URL(blockUrl).pathname,
      `${new URL(blockUrl).pathname}/edit`,
    ]) {
      const html = await (await fetch(dash.base + path)).text();
      expect(html).not.toContain(SECRET);
    }
  });

  test("a nested block is picked from the saved ones, and the parent loads with it in the SDK", async () => {
    const env = {
      ...process.env,
      PREFECT_API_URL: `${dash.base}/api`,
      PREFECT_HOME: `/tmp/blocks-browser-${process.pid}`,
    };
    const reg = Bun.spawnSync([PYTHON, "-c", `${HOLDER}\nHolder.register_type_and_schema()`], { env, stderr: "pipe" });
    expect(reg.stderr.toString()).not.toContain("Traceback");
    const { page: p, errors } = await page("/blocks/catalog/holder/create");
    const picker = p.locator("select[name='f.secret']");
    expect(await picker.locator("option").allTextContents()).toContain("from-form");
    await p.fill("#block-name", "held");
    await picker.selectOption({ label: "from-form" });
    await p.fill("input[name='f.note']", "<b>kept as text</b>");
    await p.getByRole("button", { name: "Create block" }).click();
    await p.waitForURL(/\/blocks\/[0-9a-f-]{36}/);
    expect(await p.content()).not.toContain(SECRET);
    expect(await p.locator("main a", { hasText: "from-form" }).count()).toBe(1);
    expect(await p.locator("main b").count()).toBe(0);
    expect(offline(errors)).toEqual([]);
    await p.close();
    const load = Bun.spawnSync([PYTHON, "-c", `${HOLDER}\nh = Holder.load("held"); print(h.secret.get(), h.note)`], {
      env,
    });
    expect(load.stdout.toString().trim()).toBe(`${SECRET} <b>kept as text</b>`);
  });

  test("a bad number is refused inline and nothing is written; delete asks first", async () => {
    const { page: p, errors } = await page("/blocks/catalog/hostile/create");
    await p.fill("#block-name", "bad-number");
    await p.fill("input[name='f.n']", "twelve");
    await p.getByRole("button", { name: "Create block" }).click();
    await p.waitForLoadState();
    expect(await p.locator("#field-n-error").textContent()).toContain("whole number");
    expect(
      (await api("/block_documents/count", {
        method: "POST",
        json: { block_types: { slug: { any_: ["hostile"] } } },
      })) as unknown,
    ).toBe(0);
    await p.fill("input[name='f.n']", "12");
    await p.getByRole("button", { name: "Create block" }).click();
    await p.waitForURL(/\/blocks\/[0-9a-f-]{36}/);
    const id = new URL(p.url()).pathname.split("/")[2]!;
    expect(((await api(`/block_documents/${id}`)) as J).data).toEqual({ n: 12 });
    expect(offline(errors)).toEqual([]);
    await p.close();

    const declined = await dash.decline(`/blocks/${id}`, "Delete block");
    expect(declined.asked[0]).toContain("Delete block bad-number?");
    await api(`/block_documents/${id}`);
    const asked: string[] = [];
    const { page: q } = await page(`/blocks/${id}`, { confirm: asked });
    await q.getByRole("button", { name: "Delete block" }).click();
    await q.waitForURL(/\/blocks\?notice=/);
    expect(asked).toHaveLength(1);
    await q.close();
    expect((await fetch(`${dash.base}/api/block_documents/${id}`)).status).toBe(404);
    expect(await dash.postForged(`/blocks/${id}/delete`)).toBe(403);
  });

  test("every Blocks page loads without console errors or inline scripts, and fits a phone", async () => {
    const docs = (await api("/block_documents/filter", { method: "POST", json: {} })) as unknown as J[];
    const held = docs.find((d) => d.name === "held")!;
    const paths: Array<[string, string]> = [
      ["blocks-list", "/blocks"],
      ["blocks-catalog", "/blocks/catalog"],
      ["blocks-create-slack", "/blocks/catalog/slack-webhook/create"],
      ["blocks-create-webhook", "/blocks/catalog/custom-webhook/create"],
      ["blocks-detail", `/blocks/${held.id}`],
      ["blocks-edit", `/blocks/${held.id}/edit`],
    ];
    for (const [name, path] of paths) {
      const { page: p, errors } = await page(path);
      await p.waitForLoadState("networkidle");
      await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      expect({ name, errors: offline(errors) }).toEqual({ name, errors: [] });
      expect({ name, scripts: await p.locator("script:not([src])").count() }).toEqual({ name, scripts: 0 });
      expect({ name, source: (await p.content()).includes(SECRET) }).toEqual({ name, source: false });
      await p.close();
      const { page: phone, overflow } = await dash.phoneOverflow(path);
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await phone.close();
    }
    expect((await fetch(`${dash.base}/blocks/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${dash.base}/blocks/catalog/no-such-type/create`)).status).toBe(404);
  });
});
