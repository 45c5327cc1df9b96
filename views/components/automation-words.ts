// An automation's trigger and actions as sentences, for the Automations pages: plain text (the pages
// escape it), from the stored shapes (src/schemas/automation-triggers.ts, automation-actions.ts) and
// the names of the blocks, deployments, pools, queues and automations they point at, where known.
type Spec = Record<string, string | string[]>;
export type Names = Record<string, string>;

interface TriggerShape {
  type: string;
  posture?: string;
  match?: Spec;
  match_related?: Spec | Spec[];
  after?: string[];
  expect?: string[];
  for_each?: string[];
  threshold?: number;
  within?: number | null;
  require?: number | "any" | "all";
  triggers?: TriggerShape[];
}

const oneOrMore = (v: string | string[]) => (Array.isArray(v) ? v.join(" or ") : v);
const spec = (s: Spec) =>
  Object.entries(s)
    .map(([k, v]) => `${k} is ${oneOrMore(v)}`)
    .join(" and ");
const either = (xs: string[]) => (xs.length > 1 ? `any of ${xs.join(", ")}` : (xs[0] ?? "any event"));

export function duration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function about(t: TriggerShape): string {
  const parts: string[] = [];
  if (t.match && Object.keys(t.match).length) parts.push(`for a resource whose ${spec(t.match)}`);
  const related = (Array.isArray(t.match_related) ? t.match_related : [t.match_related ?? {}]).filter(
    (s) => Object.keys(s).length,
  );
  if (related.length) parts.push(`related to one whose ${related.map(spec).join(", or one whose ")}`);
  if (t.after?.length) parts.push(`after ${either(t.after)}`);
  if (t.for_each?.length) parts.push(`counted separately for each ${t.for_each.join(", ")}`);
  return parts.length ? ` ${parts.join(", ")}` : "";
}

export function triggerWords(t: TriggerShape): string {
  if (t.type === "compound" || t.type === "sequence") {
    const kids = (t.triggers ?? []).map((c, i) => `(${i + 1}) ${triggerWords(c)}`).join("; ");
    const within = t.within ? ` within ${duration(t.within)}` : "";
    if (t.type === "sequence") return `When these happen in order${within}: ${kids}`;
    const need = t.require === "all" || t.require === "any" ? t.require : String(t.require);
    return `When ${need} of these happen${within}: ${kids}`;
  }
  const events = either(t.expect ?? []);
  const n = t.threshold ?? 1;
  const within = t.within ? ` within ${duration(t.within)}` : "";
  if (t.posture === "Proactive") {
    const none = (t.expect ?? []).length > 1 ? `none of ${t.expect!.join(", ")}` : `no ${events}`;
    return n === 1
      ? `If ${none} is seen${within}${about(t)}`
      : `If fewer than ${n} ${events} are seen${within}${about(t)}`;
  }
  return n > 1 ? `When ${n} ${events} are seen${within}${about(t)}` : `When ${events} is seen${about(t)}`;
}

type ActionShape = { type: string } & Record<string, unknown>;

const named = (names: Names, id: unknown, what: string) =>
  typeof id === "string" ? `${what} ${names[id] ?? id}` : `the ${what} of the triggering event`;

/** What pause-* and resume-* actions point at: the field holding its id and its noun. */
const SWITCHED: Record<string, [string, string]> = {
  deployment: ["deployment_id", "deployment"],
  "work-pool": ["work_pool_id", "work pool"],
  "work-queue": ["work_queue_id", "work queue"],
  automation: ["automation_id", "automation"],
};

export function actionWords(a: ActionShape, names: Names): string {
  const s = (k: string) => (typeof a[k] === "string" ? (a[k] as string) : "");
  const switched = /^(pause|resume)-(.+)$/.exec(a.type);
  const target = switched ? SWITCHED[switched[2]!] : undefined;
  if (switched && target)
    return `${switched[1] === "pause" ? "Pause" : "Resume"} ${named(names, a[target[0]], target[1])}`;
  switch (a.type) {
    case "do-nothing":
      return "Do nothing";
    case "run-deployment": {
      const params =
        a.parameters && Object.keys(a.parameters).length ? ` with parameters ${JSON.stringify(a.parameters)}` : "";
      return `Run ${named(names, a.deployment_id, "deployment")}${params}`;
    }
    case "cancel-flow-run":
      return "Cancel the flow run";
    case "suspend-flow-run":
      return "Suspend the flow run";
    case "resume-flow-run":
      return "Resume the flow run";
    case "delete-flow-run":
      return "Delete the flow run";
    case "change-flow-run-state":
      return `Move the flow run to ${s("name") || s("state")}${a.force ? " (forced)" : ""}${s("message") ? `: ${s("message")}` : ""}`;
    case "send-notification":
      return `Send a notification to ${named(names, a.block_document_id, "block")}: "${s("subject")}"`;
    case "call-webhook":
      return `Call the webhook ${named(names, a.block_document_id, "block")}`;
    default:
      return a.type;
  }
}

export const TARGET_KEYS = [
  "deployment_id",
  "work_pool_id",
  "work_queue_id",
  "automation_id",
  "block_document_id",
] as const;

/** The ids an action names, by their field, so the page can look their names up. */
export function actionTargets(a: ActionShape): Array<[(typeof TARGET_KEYS)[number], string]> {
  return TARGET_KEYS.filter((k) => typeof a[k] === "string").map((k) => [k, a[k] as string]);
}
