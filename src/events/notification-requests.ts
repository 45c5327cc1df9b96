// The HTTP requests each notification block type sends, as Prefect's blocks (prefect/blocks/
// notifications.py) send them through apprise: Slack, Microsoft Teams workflows, Discord, Mattermost, Opsgenie, PagerDuty, Twilio, SendGrid and the custom webhook. Pure: a block's
// document data, subject and body in, the requests out. The hosted services' base URLs can be
// overridden (tests, air-gapped installs). SMTP email is sent by services/notify.ts, not over HTTP.
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface BaseUrls {
  discord: string;
  opsgenie: string;
  pagerduty: string;
  twilio: string;
  sendgrid: string;
}

export const DEFAULT_BASE_URLS: BaseUrls = {
  discord: "https://discord.com",
  opsgenie: "https://api.opsgenie.com",
  pagerduty: "https://events.pagerduty.com",
  twilio: "https://api.twilio.com",
  sendgrid: "https://api.sendgrid.com",
};

const APP = "Prefect Notifications";
const COLORS: Record<string, string> = { info: "#3AA3E3", success: "#3AA337", warning: "#CACF29", failure: "#A32037" };
const image = (type: string, xy: string) =>
  `https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-${type}-${xy}.png`;
const jsonPost = (url: string, payload: unknown, extra: Record<string, string> = {}): OutgoingRequest => ({
  method: "POST",
  url,
  headers: { "User-Agent": APP, "Content-Type": "application/json", ...extra },
  body: JSON.stringify(payload),
});
const joined = (subject: string, body: string) => (subject ? `${subject}\r\n${body}` : body);
const str = (v: unknown, d = "") => (typeof v === "string" ? v : v === undefined || v === null ? d : String(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Custom webhook placeholders: {{ key }} from secrets, subject, body and name (raw when alone). */
function fill(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{\s*([\w.-]+)\s*\}\}$/.exec(value);
    if (whole && whole[1]! in vars) return vars[whole[1]!];
    return value.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (m, k: string) => (k in vars ? str(vars[k], "null") : m));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}

/** The requests for one notification, or an error naming why the block cannot send it. */
export function notificationRequests(
  slug: string,
  data: Record<string, unknown>,
  subject: string,
  body: string,
  base: BaseUrls = DEFAULT_BASE_URLS,
): OutgoingRequest[] | { error: string } {
  const type = str(data.notify_type, "info");
  switch (slug) {
    case "slack-webhook":
      return [
        {
          ...jsonPost(
            str(data.url),
            {
              username: APP,
              mrkdwn: true,
              attachments: [
                {
                  title: slackEscape(subject),
                  text: slackEscape(body),
                  color: COLORS[type] ?? "#888888",
                  ts: Date.now() / 1000,
                  footer: APP,
                  footer_icon: image(type, "72x72"),
                },
              ],
              icon_url: image(type, "72x72"),
            },
            { Accept: "application/json" },
          ),
          headers: { "User-Agent": APP, Accept: "application/json", "Content-Type": "application/json; charset=utf-8" },
        },
      ];
    case "ms-teams-webhook": {
      const items: unknown[] = [];
      if (data.include_image !== false) items.push({ type: "Image", url: image(type, "32x32"), height: "32px" });
      if (subject) items.push({ type: "TextBlock", text: subject, style: "heading", weight: "Bolder", size: "Large" });
      items.push({ type: "TextBlock", text: body, wrap: data.wrap !== false });
      return [
        jsonPost(str(data.url), {
          type: "message",
          attachments: [
            {
              contentType: "application/vnd.microsoft.card.adaptive",
              contentUrl: null,
              content: {
                $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
                type: "AdaptiveCard",
                version: "1.4",
                body: items,
                msteams: { width: "full" },
              },
            },
          ],
        }),
      ];
    }
    case "discord-webhook": {
      const payload: Record<string, unknown> = { tts: Boolean(data.tts), wait: true };
      if (data.botname) payload.username = str(data.botname);
      if (data.avatar) payload.avatar_url = str(data.avatar_url) || image(type, "256x256");
      payload.content = joined(subject, body);
      return [jsonPost(`${base.discord}/api/webhooks/${str(data.webhook_id)}/${str(data.webhook_token)}`, payload)];
    }
    case "mattermost-webhook": {
      const scheme = data.secure ? "https" : "http";
      const url = `${scheme}://${str(data.hostname)}:${str(data.port, "8065")}${str(data.path)}/hooks/${str(data.token)}`;
      const payload = {
        text: joined(subject, body),
        icon_url: data.include_image ? image(type, "72x72") : null,
        username: str(data.botname) || APP,
      };
      const channels = list(data.channels);
      return channels.length
        ? channels.map((channel) => jsonPost(url, { ...payload, channel }))
        : [jsonPost(url, payload)];
    }
    case "opsgenie-webhook": {
      const host = data.region_name === "eu" ? base.opsgenie.replace("api.", "api.eu.") : base.opsgenie;
      const message = (subject || body).length > 130 ? `${(subject || body).slice(0, 127)}...` : subject || body;
      return [
        jsonPost(
          `${host}/v2/alerts`,
          {
            source: APP,
            message,
            description: body,
            details: { ...(data.details as object), type },
            priority: `P${str(data.priority, "3")}`,
          },
          { Authorization: `GenieKey ${str(data.apikey)}` },
        ),
      ];
    }
    case "pager-duty-webhook": {
      const severity = type === "failure" ? "critical" : type === "warning" ? "warning" : "info";
      const details = { ...(data.custom_details as object), ...(subject ? { "Prefect Notification Body": body } : {}) };
      const payload: Record<string, unknown> = {
        routing_key: str(data.integration_key),
        event_action: "trigger",
        client: APP,
        payload: {
          summary: subject ? `${subject}\r\n` : body,
          severity,
          source: str(data.source, "Prefect"),
          component: str(data.component, "Notification"),
          ...(data.group ? { group: data.group } : {}),
          ...(data.class_id ? { class: data.class_id } : {}),
          ...(Object.keys(details).length ? { custom_details: details } : {}),
        },
      };
      if (data.clickable_url) payload.links = [{ href: data.clickable_url }];
      if (data.include_image !== false) payload.images = [{ src: image(type, "128x128"), alt: type }];
      return [jsonPost(`${base.pagerduty}/v2/enqueue`, payload, { Authorization: `Token token=${str(data.api_key)}` })];
    }
    case "twilio-sms": {
      const auth = Buffer.from(`${str(data.account_sid)}:${str(data.auth_token)}`).toString("base64");
      return list(data.to_phone_numbers).map((to) => ({
        method: "POST",
        url: `${base.twilio}/2010-04-01/Accounts/${str(data.account_sid)}/Messages.json`,
        headers: {
          "User-Agent": APP,
          Accept: "application/json",
          Authorization: `Basic ${auth}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          Body: joined(subject, body),
          From: str(data.from_phone_number),
          To: to,
        }).toString(),
      }));
    }
    case "sendgrid-email":
      return list(data.to_emails).map((to) =>
        jsonPost(
          `${base.sendgrid}/v3/mail/send`,
          {
            personalizations: [{ to: [{ email: to }] }],
            from: { email: str(data.sender_email) },
            subject: subject || "<no subject>",
            content: [{ type: "text/html", value: body }],
          },
          { Authorization: `Bearer ${str(data.api_key)}` },
        ),
      );
    case "custom-webhook": {
      const vars = { ...(data.secrets as object), subject: subject || null, body, name: str(data.name) };
      if (data.json_data && data.form_data) return { error: "both json_data and form_data are set" };
      const params = fill(data.params ?? {}, vars) as Record<string, string>;
      const url = new URL(str(fill(str(data.url), vars)));
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, str(v));
      const headers: Record<string, string> = { "user-agent": APP };
      for (const [k, v] of Object.entries((fill(data.headers ?? {}, vars) as object) ?? {})) headers[k] = str(v);
      let payload: string | null = null;
      if (data.json_data) {
        payload = JSON.stringify(fill(data.json_data, vars));
        headers["content-type"] ??= "application/json";
      } else if (data.form_data) {
        const form = fill(data.form_data, vars);
        payload = typeof form === "string" ? form : new URLSearchParams(form as Record<string, string>).toString();
        headers["content-type"] ??= "application/x-www-form-urlencoded";
      }
      return [{ method: str(data.method, "POST").toUpperCase(), url: url.toString(), headers, body: payload }];
    }
    default:
      return { error: "The referenced block was not a notification block" };
  }
}
