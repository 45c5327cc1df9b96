// The HTTP requests each notification block type sends, as Prefect's blocks (prefect/blocks/
// notifications.py) send them through apprise: Slack, Microsoft Teams workflows, Discord, Mattermost,
// Opsgenie, PagerDuty, Twilio, SendGrid and the custom webhook. Pure: a block's document data, subject
// and body in, the requests out. The hosted services' base URLs come from the PREFECT_LITE_NOTIFICATIONS_*
// settings (tests, air-gapped installs). SMTP email is sent by services/automation-perform.ts.
import type { NotificationsConfig } from "../settings/server-config.ts";
import { defaultServerConfig } from "../settings/server-config.ts";
import { isUuid } from "../core/uuid.ts";

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  /** The block's own timeout (the custom webhook's `timeout` field), else the server's. */
  timeoutMs?: number;
  /** False when the block's allow_private_urls is: the URL must not reach a private address. */
  allowPrivate?: boolean;
}

export type BaseUrls = NotificationsConfig["baseUrls"];

export const DEFAULT_BASE_URLS: BaseUrls = defaultServerConfig().notifications.baseUrls;

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

/** Twilio wants +E164 numbers; a 5–6 digit short code (a sender) stays as it is. */
const phone = (n: string) => {
  const digits = n.replace(/\D/g, "");
  return digits.length <= 6 ? digits : `+${digits}`;
};

const TEAMS_WORKFLOW =
  /^https?:\/\/[A-Z0-9_.-]+(:[1-9][0-9]{0,5})?(\/powerautomate\/automations\/direct(\/cu\/[0-9]+)?)?\/workflows\/[A-Z0-9_-]+\/triggers\/manual\/paths\/invoke\/?\?.+$/i;
/** Prefect's target lists as apprise's responders: an id when it looks like a UUID, else a name. */
function opsgenieResponders(data: Record<string, unknown>): Array<Record<string, string>> {
  const kinds = [
    ["target_user", "user", "username"],
    ["target_team", "team", "name"],
    ["target_schedule", "schedule", "name"],
    ["target_escalation", "escalation", "name"],
  ] as const;
  return kinds.flatMap(([field, kind, key]) =>
    list(data[field]).map((t) => (isUuid(t) ? { type: kind, id: t } : { type: kind, [key]: t })),
  );
}

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;
const placeholders = (value: unknown): string[] =>
  typeof value === "string"
    ? [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!)
    : value && typeof value === "object"
      ? Object.values(value).flatMap(placeholders)
      : [];

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
  const out = channelRequests(slug, data, subject, body, base);
  if ("error" in out || data.allow_private_urls !== false) return out;
  return out.map((r) => ({ ...r, allowPrivate: false }));
}

function channelRequests(
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
      // Prefect refuses what apprise's NotifyWorkflows.parse_native_url does not take.
      if (!TEAMS_WORKFLOW.test(str(data.url))) return { error: "Invalid Microsoft Teams Workflow URL provided." };
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
      return [jsonPost(`${base.DISCORD}/api/webhooks/${str(data.webhook_id)}/${str(data.webhook_token)}`, payload)];
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
      const host = data.region_name === "eu" ? base.OPSGENIE_EU : base.OPSGENIE;
      const message = subject || body;
      const details = (data.details as Record<string, unknown>) ?? {};
      const payload: Record<string, unknown> = {
        source: APP,
        message: message.length > 130 ? `${message.slice(0, 127)}...` : message,
        description: body,
        details: { ...details, type: details.type ?? type },
        priority: `P${str(data.priority, "3")}`,
      };
      if (list(data.tags).length) payload.tags = list(data.tags);
      if (data.entity) payload.entity = str(data.entity);
      if (data.alias) payload.alias = str(data.alias);
      const responders = opsgenieResponders(data);
      const size = data.batch ? 50 : 1;
      const post = (extra: Record<string, unknown>) =>
        jsonPost(`${host}/v2/alerts`, { ...payload, ...extra }, { Authorization: `GenieKey ${str(data.apikey)}` });
      if (!responders.length) return [post({})];
      const out: OutgoingRequest[] = [];
      for (let i = 0; i < responders.length; i += size) out.push(post({ responders: responders.slice(i, i + size) }));
      return out;
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
      const host = data.region_name === "eu" ? base.PAGERDUTY_EU : base.PAGERDUTY;
      return [jsonPost(`${host}/v2/enqueue`, payload, { Authorization: `Token token=${str(data.api_key)}` })];
    }
    case "twilio-sms": {
      const auth = Buffer.from(`${str(data.account_sid)}:${str(data.auth_token)}`).toString("base64");
      return list(data.to_phone_numbers).map((to) => ({
        method: "POST",
        url: `${base.TWILIO}/2010-04-01/Accounts/${str(data.account_sid)}/Messages.json`,
        headers: {
          "User-Agent": APP,
          Accept: "application/json",
          Authorization: `Basic ${auth}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          Body: joined(subject, body),
          From: phone(str(data.from_phone_number)),
          To: phone(to),
        }).toString(),
      }));
    }
    case "sendgrid-email":
      return list(data.to_emails).map((to) =>
        jsonPost(
          `${base.SENDGRID}/v3/mail/send`,
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
      const vars: Record<string, unknown> = { ...(data.secrets as object), subject, body, name: str(data.name) };
      if (data.json_data != null && data.form_data != null)
        return { error: "both `Form Data` and `JSON Data` provided" };
      // Prefect refuses a placeholder it has no value for when the block loads (block_initialization).
      for (const field of ["url", "params", "form_data", "json_data", "headers", "cookies"]) {
        const unknown = placeholders(data[field]).find((k) => !(k in vars));
        if (unknown) return { error: `Unknown placeholder ${field}/${unknown}` };
      }
      const url = new URL(str(fill(str(data.url), vars)));
      for (const [k, v] of Object.entries((fill(data.params ?? {}, vars) as object) ?? {}))
        url.searchParams.set(k, str(v));
      const headers: Record<string, string> = { "user-agent": APP };
      for (const [k, v] of Object.entries((fill(data.headers ?? {}, vars) as object) ?? {})) headers[k] = str(v);
      const cookies = Object.entries((fill(data.cookies ?? {}, vars) as object) ?? {});
      if (cookies.length) headers.cookie = cookies.map(([k, v]) => `${k}=${str(v)}`).join("; ");
      let payload: string | null = null;
      if (data.json_data != null) {
        payload = JSON.stringify(fill(data.json_data, vars));
        headers["content-type"] ??= "application/json";
      } else if (data.form_data != null) {
        const form = fill(data.form_data, vars);
        if (typeof form === "string") payload = form;
        else {
          payload = new URLSearchParams(
            Object.entries(form as object).map(([k, v]) => [k, str(v)] as [string, string]),
          ).toString();
          headers["content-type"] ??= "application/x-www-form-urlencoded";
        }
      }
      return [
        {
          method: str(data.method, "POST").toUpperCase(),
          url: url.toString(),
          headers,
          body: payload,
          timeoutMs: data.timeout == null ? undefined : Number(data.timeout) * 1000,
        },
      ];
    }
    default:
      return { error: "The referenced block was not a notification block" };
  }
}
