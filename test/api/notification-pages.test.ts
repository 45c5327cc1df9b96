// The Notifications page's Send test on every dialect (the browser test runs SQLite only): it sends
// the test message through the notification's channel and says how it went; a receiver answering 500
// is a failure named with its code; a forged form, an unknown or malformed id (for every action of the
// page) or an automation that is not a notification sends nothing; nothing is recorded as a delivery.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("notification pages on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let token = "";
  const got: Array<Record<string, string>> = [];
  let answer = 200;
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      got.push(JSON.parse((await req.text()) || "{}"));
      return new Response("ok", { status: answer });
    },
  });
  const api = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(`/api${path}`, { method, json });
    const text = await r.text();
    return text ? JSON.parse(text) : null;
  };
  const post = (path: string, csrf = token) =>
    t.call(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": csrf, accept: "text/html" },
      body: new URLSearchParams({ csrf }).toString(),
    });
  const notice = (r: Response) => decodeURIComponent(/notice=([^&]*)/.exec(r.headers.get("location") ?? "")?.[1] ?? "");
  let notification = "";
  let plain = "";

  beforeAll(async () => {
    t = await testApp({}, await url());
    await t.app.blocks.registerBuiltIns();
    const type = await api("GET", "/block_types/slug/custom-webhook");
    const [schema] = await api("POST", "/block_schemas/filter", {
      block_schemas: { block_type_id: { any_: [type.id] } },
    });
    const block = await api("POST", "/block_documents/", {
      name: "hook",
      block_type_id: type.id,
      block_schema_id: schema.id,
      data: {
        name: "hook",
        url: `http://127.0.0.1:${receiver.port}/hook`,
        json_data: { s: "{{subject}}", b: "{{body}}" },
      },
    });
    plain = (
      await api("POST", "/automations/", {
        name: "not a notification",
        trigger: { posture: "Reactive", expect: ["x.y"], match: {} },
        actions: [{ type: "do-nothing" }],
      })
    ).id;
    const page = await (await t.call("/notifications")).text();
    token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const made = await t.call("/notifications", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": token, accept: "text/html" },
      body: new URLSearchParams({ csrf: token, name: "on failure", states: "Failed", block: block.id }).toString(),
    });
    expect(made.status).toBe(303);
    const [a] = await api("POST", "/automations/filter", { automations: { name: { any_: ["on failure"] } } });
    notification = a.id;
  });
  afterAll(async () => {
    await t.close();
    receiver.stop(true);
  });

  test("Send test delivers through the channel and says how it went; bad forms send nothing", async () => {
    const sent = await post(`/notifications/${notification}/test`);
    expect(sent.status).toBe(303);
    expect(notice(sent)).toBe('Test of "on failure" sent (HTTP 200).');
    expect(got.map((g) => g.s)).toEqual(["Test notification from prefect-lite: on failure"]);
    expect(got[0]!.b).toContain('This is a test of the notification "on failure"');

    answer = 500;
    const failed = await post(`/notifications/${notification}/test`);
    expect(notice(failed)).toStartWith('Test of "on failure" failed (HTTP 500): ');
    answer = 200;
    expect(got.length).toBe(2);

    expect((await post(`/notifications/${notification}/test`, "forged")).status).toBe(403);
    expect((await post(`/notifications/${crypto.randomUUID()}/test`)).status).toBe(404);
    for (const action of ["test", "pause", "resume", "delete"])
      expect((await post(`/notifications/not-a-uuid/${action}`)).status).toBe(404);
    expect((await post(`/notifications/${plain}/test`)).status).toBe(404);
    expect(got.length).toBe(2);
    // Outside the queue: no delivery recorded for the tests.
    expect(await api("GET", `/automations/${notification}/deliveries`)).toEqual([]);
  });
});
