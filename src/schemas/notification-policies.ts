// Prefect 2.x's flow run notification policies (FlowRunNotificationPolicyCreate / Update) kept for 2.x
// clients, mapped onto automations as Prefect's own 3.4 migration maps them (alembic 7655f31c5157):
// a Reactive trigger on prefect.flow-run.<state> events of runs with any of the tags, and one
// send-notification action whose body is the policy's {placeholder} template rewritten to Jinja.
// Unlike that migration the trigger's window is 0 s, so every state change notifies, as the 2.x
// service did (a 10 s window would swallow a second state of the same run).
import { invalidFields } from "../core/errors.ts";
import type { AutomationInput } from "./automations.ts";
import type { EventTrigger } from "./automation-triggers.ts";

export const POLICY_TAG = "prefect-lite.notification-policy";
const SUBJECT = "Prefect flow run notification";

const PLACEHOLDERS: Record<string, string> = {
  flow_run_notification_policy_id: "Event ID {{ event.id }}",
  flow_id: "{{ flow.id }}",
  flow_name: "{{ flow.name }}",
  flow_run_url: "{{ flow_run|ui_url }}",
  flow_run_id: "{{ flow_run.id }}",
  flow_run_name: "{{ flow_run.name }}",
  flow_run_parameters: "{{ flow_run.parameters }}",
  flow_run_state_type: "{{ flow_run.state.type }}",
  flow_run_state_name: "{{ flow_run.state.name }}",
  flow_run_state_timestamp: "{{ flow_run.state.timestamp }}",
  flow_run_state_message: "{{ flow_run.state.message }}",
};

export const DEFAULT_POLICY_BODY = `Flow run {{ flow.name }}/{{ flow_run.name }} observed in state \`{{ flow_run.state.name }}\` at {{ flow_run.state.timestamp }}.
Flow ID: {{ flow_run.flow_id }}
Flow run ID: {{ flow_run.id }}
Flow run URL: {{ flow_run|ui_url }}
State message: {{ flow_run.state.message }}
`;

export interface PolicyJson {
  id: string;
  created: string;
  updated: string;
  is_active: boolean;
  state_names: string[];
  tags: string[];
  block_document_id: string;
  message_template: string | null;
}

export interface PolicyFields {
  is_active: boolean;
  state_names: string[];
  tags: string[];
  block_document_id: string;
  message_template: string | null;
}

/** Prefect's check: str.format with every allowed name; an unknown {name} or a stray brace is a 422. */
export function checkPolicyTemplate(t: string | null): string | null {
  if (t === null) return null;
  const bad = (msg: string) =>
    invalidFields(msg, [{ path: ["message_template"], msg: `Value error, ${msg}`, type: "value_error" }]);
  const re = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;
  for (const m of t.matchAll(re)) {
    if (m[0] === "{{" || m[0] === "}}") continue;
    if (m[1] === undefined) throw bad("Single '}' encountered in format string");
    const name = m[1].split(/[.[!:]/)[0]!;
    if (!(name in PLACEHOLDERS)) throw bad(`Invalid template variable provided: '${name}'`);
  }
  return t;
}

const toJinja = (t: string) =>
  t.replace(/\{\{|\}\}|\{([a-z_]+)\}/g, (m, name?: string) => (name ? PLACEHOLDERS[name]! : m === "{{" ? "{" : "}"));

function fromJinja(body: string): string | null {
  if (body === DEFAULT_POLICY_BODY) return null;
  let out = body.replace(/\{/g, "{{").replace(/\}/g, "}}");
  for (const [name, jinja] of Object.entries(PLACEHOLDERS))
    out = out.split(jinja.replace(/\{/g, "{{").replace(/\}/g, "}}")).join(`{${name}}`);
  return out;
}

export function policyAutomation(p: PolicyFields): AutomationInput {
  const trigger: EventTrigger = {
    type: "event",
    id: crypto.randomUUID(),
    match: { "prefect.resource.id": "prefect.flow-run.*" },
    match_related: p.tags.length
      ? { "prefect.resource.id": p.tags.map((t) => `prefect.tag.${t}`), "prefect.resource.role": "tag" }
      : {},
    after: [],
    expect: p.state_names.length
      ? [...new Set(p.state_names)].map((s) => `prefect.flow-run.${s}`)
      : ["prefect.flow-run.*"],
    for_each: ["prefect.resource.id"],
    posture: "Reactive",
    threshold: 1,
    within: 0,
  };
  return {
    name: "Flow Run State Change Notification",
    description: "A flow run notification policy (the 2.x API)",
    enabled: p.is_active,
    tags: [POLICY_TAG],
    trigger,
    actions: [
      {
        type: "send-notification",
        block_document_id: p.block_document_id,
        subject: SUBJECT,
        body: p.message_template ? toJinja(p.message_template) : DEFAULT_POLICY_BODY,
      },
    ],
    actions_on_trigger: [],
    actions_on_resolve: [],
  };
}

/** The policy an automation made by policyAutomation() stands for. */
export function policyOf(a: AutomationInput & { id: string; created: string; updated: string }): PolicyJson {
  const t = a.trigger as EventTrigger;
  const action = a.actions[0] ?? { block_document_id: "", body: DEFAULT_POLICY_BODY };
  const related = Array.isArray(t.match_related) ? t.match_related[0] : t.match_related;
  const ids = related?.["prefect.resource.id"] ?? [];
  return {
    id: a.id,
    created: a.created,
    updated: a.updated,
    is_active: a.enabled,
    state_names: t.expect.includes("prefect.flow-run.*")
      ? []
      : t.expect.map((e) => e.replace(/^prefect\.flow-run\./, "")),
    tags: (Array.isArray(ids) ? ids : [ids]).map((i) => i.replace(/^prefect\.tag\./, "")),
    block_document_id: String(action.block_document_id),
    message_template: fromJinja(String(action.body ?? "")),
  };
}

/** The dashboard's notifications ("If a run of any flow with [tags] enters [states], send … to [channel]"). */
export const NOTIFICATION_TAG = "prefect-lite.notification";
export const DEFAULT_NOTIFICATION_SUBJECT = "Prefect flow run notification";

export interface NotificationFields {
  name: string;
  enabled: boolean;
  state_names: string[];
  tags: string[];
  block_document_id: string;
  subject: string;
  body: string;
}

export function notificationAutomation(n: NotificationFields): AutomationInput {
  const base = policyAutomation({
    is_active: n.enabled,
    state_names: n.state_names,
    tags: n.tags,
    block_document_id: n.block_document_id,
    message_template: null,
  });
  return {
    ...base,
    name: n.name,
    description: "A notification (dashboard Notifications page)",
    tags: [NOTIFICATION_TAG],
    actions: [
      {
        type: "send-notification",
        block_document_id: n.block_document_id,
        subject: n.subject.trim() || DEFAULT_NOTIFICATION_SUBJECT,
        body: n.body.trim() || DEFAULT_POLICY_BODY,
      },
    ],
  };
}

export function notificationOf(a: AutomationInput & { id: string; created: string; updated: string }) {
  const p = policyOf(a);
  const action = a.actions[0] ?? {};
  return {
    id: a.id,
    name: a.name,
    enabled: a.enabled,
    state_names: p.state_names,
    tags: p.tags,
    block_document_id: p.block_document_id,
    subject: String(action.subject ?? ""),
    body: String(action.body ?? ""),
  };
}
