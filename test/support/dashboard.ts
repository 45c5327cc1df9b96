// What the browser tests of the dashboard share: the compiled server on an in-memory SQLite database and a
// Chromium, started before a describe block's tests and stopped after them; the API as a JSON client;
// pages that collect console errors and answer confirmations; and the checks every page set gets (no
// console errors, hostile text stays text, no sideways scroll at phone width, forged forms refused).
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startServer, tempHome } from "./binary.ts";
import { launch } from "./browser.ts";

export const SHOTS = resolve(import.meta.dir, "..", "..", "test-output", "screenshots");
export type J = Record<string, any>;

/** Chromium logs every 4xx response a page fetched: these are the refusals (422) a test asked for. */
const REFUSED = /status of 422 \(Unprocessable Entity\)/;
export const unexpectedErrors = (errors: string[]) => errors.filter((e) => !REFUSED.test(e));

export interface PageOptions {
  /** Where to note each confirmation's question; every one is accepted. */
  confirm?: string[];
  width?: number;
  height?: number;
}

export interface Dashboard {
  /** The server's address, http://127.0.0.1:<port>. */
  readonly base: string;
  readonly browser: Browser;
  /** The JSON API under /api: the parsed answer (`{}` for 204); an answer of 400 or more throws. */
  api(path: string, init?: { method?: string; json?: unknown }): Promise<J>;
  /** A new page at `path`, collecting console errors, page errors and any dialog but a confirmation. */
  page(path: string, opts?: PageOptions): Promise<{ page: Page; errors: string[] }>;
  /** Opens each [name, path], screenshots it as name.png and expects no console errors, no inline script and
   *  none of the elements `hostile` selects (the markup seeded into user text, had it been rendered as HTML). */
  expectCleanPages(paths: Array<[name: string, path: string]>, hostile: string): Promise<void>;
  /** Clicks `button` on `path` and declines the confirmation: the questions asked and the console errors. */
  decline(path: string, button: string): Promise<{ asked: string[]; errors: string[] }>;
  /** How many pixels `path` scrolls sideways at phone width (390 px), and the page. */
  phoneOverflow(path: string): Promise<{ page: Page; overflow: number }>;
  /** POSTs a form to `path` with a forged CSRF token and `fields` (`&name=value…`): the status. */
  postForged(path: string, fields?: string): Promise<number>;
  /** A Custom Webhook channel block named `name` that POSTs `json_data` to `url`: its id. */
  webhookBlock(name: string, url: string, json_data: Record<string, string>): Promise<string>;
}

/** Starts the server and Chromium in this describe block's beforeAll (registered first, so before the
 *  block's own seeding) and stops them in its afterAll. */
export function useDashboard(): Dashboard {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:" });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    server?.proc.kill("SIGTERM");
    await server?.proc.exited;
  });

  const started = () => {
    if (!server || !browser) throw new Error("the dashboard is not started: useDashboard() goes in a describe block");
    return { base: server.base, browser };
  };

  const dash: Dashboard = {
    get base() {
      return started().base;
    },
    get browser() {
      return started().browser;
    },

    async api(path, init = {}) {
      const r = await fetch(`${dash.base}/api${path}`, {
        method: init.method ?? "GET",
        headers: { "content-type": "application/json" },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      const body = r.status === 204 ? {} : ((await r.json()) as J);
      if (r.status >= 400) throw new Error(`${init.method ?? "GET"} ${path}: ${r.status} ${JSON.stringify(body)}`);
      return body;
    },

    async page(path, opts = {}) {
      const p = await dash.browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
      const errors: string[] = [];
      p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      p.on("pageerror", (e) => errors.push(String(e)));
      p.on("dialog", (d) => {
        if (d.type() === "confirm") {
          opts.confirm?.push(d.message());
          return d.accept();
        }
        errors.push(`unexpected ${d.type()}: ${d.message()}`);
        return d.dismiss();
      });
      await p.goto(dash.base + path);
      return { page: p, errors };
    },

    async expectCleanPages(paths, hostile) {
      for (const [name, path] of paths) {
        const { page: p, errors } = await dash.page(path);
        await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
        expect({ name, errors }).toEqual({ name, errors: [] });
        expect({ name, scripts: await p.locator("script:not([src])").count() }).toEqual({ name, scripts: 0 });
        expect({ name, hostile: await p.locator(hostile).count() }).toEqual({ name, hostile: 0 });
        await p.close();
      }
    },

    async decline(path, button) {
      const p = await dash.browser.newPage();
      const errors: string[] = [];
      p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      const asked: string[] = [];
      p.on("dialog", (d) => {
        asked.push(d.message());
        return d.dismiss();
      });
      await p.goto(dash.base + path);
      await p.getByRole("button", { name: button }).click();
      await p.waitForTimeout(300);
      await p.close();
      return { asked, errors };
    },

    async phoneOverflow(path) {
      const { page: p } = await dash.page(path, { width: 390, height: 800 });
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      return { page: p, overflow };
    },

    async postForged(path, fields = "") {
      const r = await fetch(dash.base + path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        body: `csrf=forged${fields}`,
        redirect: "manual",
      });
      return r.status;
    },

    async webhookBlock(name, url, json_data) {
      const type = await dash.api("/block_types/slug/custom-webhook");
      const [schema] = (await dash.api("/block_schemas/filter", {
        method: "POST",
        json: { block_schemas: { block_type_id: { any_: [type.id] } } },
      })) as unknown as J[];
      const doc = await dash.api("/block_documents/", {
        method: "POST",
        json: { name, block_type_id: type.id, block_schema_id: schema!.id, data: { name: "hook", url, json_data } },
      });
      return doc.id as string;
    },
  };
  return dash;
}
