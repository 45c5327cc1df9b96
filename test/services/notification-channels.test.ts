// Every HTTP notification channel end to end inside the app, against a real receiver on loopback: one
// automation whose actions notify Microsoft Teams (workflows), Opsgenie, PagerDuty Events v2, Twilio
// SMS, Discord, Mattermost, SendGrid and a custom webhook fires on a failing run, and each request is
// checked field by field (method, path, query, headers, body) against
// /work/shared/reference/prefect-ops.md §7.5. The hosted services are reached through the
// PREFECT_LITE_NOTIFICATIONS_*_URL settings (server config), pointed at the receiver.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaultServerConfig } from "../../src/settings/server-config.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";
import { blockDocument, callJson, failRun, notifyOnFailure, settle } from "../support/notifications.ts";

type J = Record<string, any>;
interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

const APP = "Prefect Notifications";
const image = (type: string, xy: string) =>
  `https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-${type}-${xy}.png`;
const SUBJECT = "nightly failed";
const BODY = "Flow etl run nightly entered Failed";
const USER_UUID = "0b9d6a2e-52f0-4a53-9d0e-4a1bd0e0c001";

describe.each(DIALECTS)("notification channels on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const seen: Seen[] = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const u = new URL(req.url);
      seen.push({
        method: req.method,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
      });
      return new Response("{}", { status: u.pathname.startsWith("/twilio") ? 201 : 202 });
    },
  });
  const r = `http://127.0.0.1:${receiver.port}`;
  const call = (method: string, path: string, json?: unknown) => callJson(t, method, path, json);
  const block = (slug: string, name: string, data: J) => blockDocument(t, slug, name, data);
  const of = (prefix: string) => seen.filter((s) => s.path.startsWith(prefix));
  const json = (s: Seen) => JSON.parse(s.body);

  beforeAll(async () => {
    const defaults = defaultServerConfig().notifications;
    t = await testApp(
      {
        notifications: {
          ...defaults,
          baseUrls: {
            DISCORD: `${r}/discord`,
            OPSGENIE: `${r}/opsgenie`,
            OPSGENIE_EU: `${r}/opsgenie-eu`,
            PAGERDUTY: `${r}/pagerduty`,
            PAGERDUTY_EU: `${r}/pagerduty-eu`,
            TWILIO: `${r}/twilio`,
            SENDGRID: `${r}/sendgrid`,
          },
        },
      },
      await url(),
    );
    await t.app.blocks.registerBuiltIns();
    await t.app.automations.triggers.start();
    const blocks = [
      await block("ms-teams-webhook", "teams", {
        url: `${r}/workflows/wf123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc`,
        notify_type: "failure",
      }),
      // An O365 connector URL: not a Workflows one, so Prefect's block refuses it.
      await block("ms-teams-webhook", "teams-connector", { url: `${r}/webhookb2/abc@def/IncomingWebhook/x/y` }),
      await block("opsgenie-webhook", "opsgenie-eu", {
        apikey: "genie-key",
        region_name: "eu",
        target_user: ["alice", USER_UUID],
        target_team: ["ops"],
        tags: ["etl", "nightly"],
        priority: 2,
        alias: "etl-alias",
        entity: "etl-entity",
        details: { env: "prod" },
        notify_type: "failure",
      }),
      await block("opsgenie-webhook", "opsgenie-batch", {
        apikey: "genie-key-2",
        target_schedule: ["oncall"],
        target_escalation: ["boss"],
        batch: true,
      }),
      await block("pager-duty-webhook", "pagerduty", {
        integration_key: "routing-123",
        api_key: "pd-api-key",
        group: "data",
        class_id: "etl",
        clickable_url: "https://example.test/run",
        custom_details: { team: "data" },
        notify_type: "failure",
      }),
      await block("twilio-sms", "twilio", {
        account_sid: "AC123",
        auth_token: "twilio-token",
        from_phone_number: "+1 555 000 1111",
        to_phone_numbers: ["+15552223333", "1-555-444-5555"],
      }),
      await block("discord-webhook", "discord", {
        webhook_id: "9876",
        webhook_token: "disc-token",
        botname: "prefect-bot",
      }),
      await block("mattermost-webhook", "mattermost", {
        hostname: "127.0.0.1",
        port: receiver.port,
        path: "/mattermost",
        token: "mm-token",
        channels: ["alerts", "etl"],
        include_image: true,
      }),
      await block("sendgrid-email", "sendgrid", {
        api_key: "SG.key",
        sender_email: "prefect@example.test",
        to_emails: ["a@example.test", "b@example.test"],
      }),
      await block("custom-webhook", "custom", {
        name: "my-hook",
        url: `${r}/custom/{{ tenant }}`,
        method: "PUT",
        params: { subject: "{{ subject }}", fixed: "1" },
        headers: { Authorization: "Bearer {{ token }}", "X-Name": "{{ name }}" },
        cookies: { session: "{{ token }}" },
        json_data: { text: "{{ subject }}: {{ body }}", raw: "{{ level }}", nested: ["{{ name }}"] },
        secrets: { token: "s3cret", tenant: "acme", level: "high" },
      }),
      // Prefect's SSRF guard: this block may not reach a private address, and the receiver is one.
      await block("custom-webhook", "guarded", { name: "guarded", url: `${r}/private`, allow_private_urls: false }),
    ];
    const flowId = (await call("POST", "/api/flows/", { name: "etl" })).body.id;
    await notifyOnFailure(t, "all channels", blocks);
    await failRun(t, { flowId, name: "nightly" });
    await settle(t);
  });
  afterAll(async () => {
    await t.close();
    receiver.stop(true);
  });

  test("all delivered but what Prefect refuses (a Teams connector URL, a private URL); a request per recipient", async () => {
    const recent = await t.app.stores.automationActions.recent(null, 20);
    const outcomes = recent.map((a) => [a.action_index, a.status, a.last_error]).sort((x, y) => +x[0]! - +y[0]!);
    expect(outcomes).toEqual(
      Array.from({ length: 11 }, (_, i) =>
        i === 1
          ? [1, "FAILED", "Invalid Microsoft Teams Workflow URL provided."]
          : i === 10
            ? [10, "FAILED", `${r} is not a valid URL. It resolves to the private address 127.0.0.1.`]
            : [i, "DELIVERED", null],
      ),
    );
    expect(seen.length).toBe(1 + 3 + 1 + 1 + 2 + 1 + 2 + 2 + 1);
  });

  test("Microsoft Teams: a Workflows adaptive card", () => {
    const [req, ...rest] = of("/workflows");
    expect(rest).toEqual([]);
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/workflows/wf123/triggers/manual/paths/invoke");
    expect(req!.query).toEqual({ "api-version": "2016-06-01", sp: "/triggers/manual/run", sv: "1.0", sig: "abc" });
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers["user-agent"]).toBe(APP);
    expect(json(req!)).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "Image", url: image("failure", "32x32"), height: "32px" },
              { type: "TextBlock", text: SUBJECT, style: "heading", weight: "Bolder", size: "Large" },
              { type: "TextBlock", text: BODY, wrap: true },
            ],
            msteams: { width: "full" },
          },
        },
      ],
    });
  });

  test("Opsgenie: the EU API, one alert per responder; batch puts them in one", () => {
    const eu = of("/opsgenie-eu");
    expect(eu.map((s) => [s.method, s.path, s.headers.authorization, s.headers["content-type"]])).toEqual(
      eu.map(() => ["POST", "/opsgenie-eu/v2/alerts", "GenieKey genie-key", "application/json"]),
    );
    const alert = {
      source: APP,
      message: SUBJECT,
      description: BODY,
      details: { env: "prod", type: "failure" },
      priority: "P2",
      tags: ["etl", "nightly"],
      alias: "etl-alias",
      entity: "etl-entity",
    };
    expect(eu.map(json)).toEqual([
      { ...alert, responders: [{ type: "user", username: "alice" }] },
      { ...alert, responders: [{ type: "user", id: USER_UUID }] },
      { ...alert, responders: [{ type: "team", name: "ops" }] },
    ]);
    const us = of("/opsgenie/");
    expect(us.map((s) => [s.path, s.headers.authorization])).toEqual([["/opsgenie/v2/alerts", "GenieKey genie-key-2"]]);
    expect(json(us[0]!)).toEqual({
      source: APP,
      message: SUBJECT,
      description: BODY,
      details: { type: "info" },
      priority: "P3",
      responders: [
        { type: "schedule", name: "oncall" },
        { type: "escalation", name: "boss" },
      ],
    });
  });

  test("PagerDuty: an Events v2 trigger with the body in custom_details", () => {
    const [req, ...rest] = of("/pagerduty");
    expect(rest).toEqual([]);
    expect([req!.method, req!.path]).toEqual(["POST", "/pagerduty/v2/enqueue"]);
    expect(req!.headers.authorization).toBe("Token token=pd-api-key");
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(json(req!)).toEqual({
      routing_key: "routing-123",
      event_action: "trigger",
      client: APP,
      payload: {
        summary: `${SUBJECT}\r\n`,
        severity: "critical",
        source: "Prefect",
        component: "Notification",
        group: "data",
        class: "etl",
        custom_details: { team: "data", "Prefect Notification Body": BODY },
      },
      links: [{ href: "https://example.test/run" }],
      images: [{ src: image("failure", "128x128"), alt: "failure" }],
    });
  });

  test("Twilio: one form-encoded message per recipient, basic auth, +E164 numbers", () => {
    const reqs = of("/twilio");
    const auth = `Basic ${Buffer.from("AC123:twilio-token").toString("base64")}`;
    expect(reqs.map((s) => [s.method, s.path, s.headers.authorization, s.headers.accept])).toEqual(
      reqs.map(() => ["POST", "/twilio/2010-04-01/Accounts/AC123/Messages.json", auth, "application/json"]),
    );
    expect(reqs[0]!.headers["content-type"]).toStartWith("application/x-www-form-urlencoded");
    expect(reqs.map((s) => Object.fromEntries(new URLSearchParams(s.body)))).toEqual([
      { Body: `${SUBJECT}\r\n${BODY}`, From: "+15550001111", To: "+15552223333" },
      { Body: `${SUBJECT}\r\n${BODY}`, From: "+15550001111", To: "+15554445555" },
    ]);
  });

  test("Discord: the webhook with the title joined to the content", () => {
    const [req, ...rest] = of("/discord");
    expect(rest).toEqual([]);
    expect([req!.method, req!.path, req!.headers["content-type"]]).toEqual([
      "POST",
      "/discord/api/webhooks/9876/disc-token",
      "application/json",
    ]);
    expect(json(req!)).toEqual({ tts: false, wait: true, username: "prefect-bot", content: `${SUBJECT}\r\n${BODY}` });
  });

  test("Mattermost: host, port and path from the block, one post per channel", () => {
    const reqs = of("/mattermost");
    expect(reqs.map((s) => [s.method, s.path, s.headers["content-type"]])).toEqual(
      reqs.map(() => ["POST", "/mattermost/hooks/mm-token", "application/json"]),
    );
    const payload = { text: `${SUBJECT}\r\n${BODY}`, icon_url: image("info", "72x72"), username: APP };
    expect(reqs.map(json)).toEqual([
      { ...payload, channel: "alerts" },
      { ...payload, channel: "etl" },
    ]);
  });

  test("SendGrid: one mail/send per recipient with a bearer key", () => {
    const reqs = of("/sendgrid");
    expect(reqs.map((s) => [s.method, s.path, s.headers.authorization])).toEqual(
      reqs.map(() => ["POST", "/sendgrid/v3/mail/send", "Bearer SG.key"]),
    );
    expect(reqs.map(json)).toEqual(
      ["a@example.test", "b@example.test"].map((email) => ({
        personalizations: [{ to: [{ email }] }],
        from: { email: "prefect@example.test" },
        subject: SUBJECT,
        content: [{ type: "text/html", value: BODY }],
      })),
    );
  });

  test("custom webhook: method, URL, params, headers, cookies and JSON templated with secrets", () => {
    const [req, ...rest] = of("/custom");
    expect(rest).toEqual([]);
    expect([req!.method, req!.path]).toEqual(["PUT", "/custom/acme"]);
    expect(req!.query).toEqual({ subject: SUBJECT, fixed: "1" });
    expect(req!.headers).toMatchObject({
      "user-agent": APP,
      authorization: "Bearer s3cret",
      "x-name": "my-hook",
      cookie: "session=s3cret",
      "content-type": "application/json",
    });
    expect(json(req!)).toEqual({ text: `${SUBJECT}: ${BODY}`, raw: "high", nested: ["my-hook"] });
  });
});
