// Prefect's AutomationCreate / AutomationUpdate / AutomationPartialUpdate (prefect/server/events/schemas/
// automations.py): name, description, enabled, tags, the trigger and the three action lists, and on
// create the owner_resource that flow.serve() and deploy() use to own the automations of their triggers.
// The whole body is checked at once and refused with every issue, or accepted normalised.
import { invalidFields } from "../core/errors.ts";
import { parseAction, type Action } from "./automation-actions.ts";
import { bool, Issues, isObject, noExtra, type Path, str, strings } from "./automation-checks.ts";
import { parseTrigger, type Trigger } from "./automation-triggers.ts";

export interface AutomationInput {
  name: string;
  description: string;
  enabled: boolean;
  tags: string[];
  trigger: Trigger;
  actions: Action[];
  actions_on_trigger: Action[];
  actions_on_resolve: Action[];
}

export interface AutomationCreateInput extends AutomationInput {
  owner_resource: string | null;
}

const CORE = [
  "name",
  "description",
  "enabled",
  "tags",
  "trigger",
  "actions",
  "actions_on_trigger",
  "actions_on_resolve",
];

function actions(v: unknown, path: Path, is: Issues, required: boolean): Action[] {
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) {
    is.add(
      path,
      v === undefined ? "Field required" : "Input should be a valid list",
      v === undefined ? "missing" : "list_type",
    );
    return [];
  }
  return v.map((a, i) => parseAction(a, [...path, i], is)).filter((a): a is Action => a !== undefined);
}

/** Prefect's prevent_run_deployment_loops: a reactive flow-run trigger that runs a deployment forever. */
function loopCheck(a: AutomationInput, is: Issues) {
  const t = a.trigger;
  if (!a.enabled || t.type !== "event" || t.posture !== "Reactive") return;
  const risky = [
    "prefect.flow-run.Scheduled",
    "prefect.flow-run.Pending",
    "prefect.flow-run.Running",
    "prefect.flow-run.*",
  ];
  if (!t.expect.some((e) => risky.includes(e))) return;
  const everyRun = (s: Record<string, string | string[]>) => {
    const keys = Object.keys(s);
    if (!keys.length) return true;
    const id = s["prefect.resource.id"];
    return (
      keys.length === 1 && (id === "prefect.flow-run.*" || (Array.isArray(id) && id.includes("prefect.flow-run.*")))
    );
  };
  for (const act of a.actions.filter((x) => x.type === "run-deployment")) {
    if (act.source === "inferred")
      is.add(
        [],
        "Value error, Running an inferred deployment from a flow run state change event will lead to an infinite loop of flow runs.  Please choose a specific deployment and add additional filtering labels to the match or match_related for this automation's trigger.",
      );
    else if (everyRun(t.match) && (Array.isArray(t.match_related) ? t.match_related : [t.match_related]).some(everyRun))
      is.add(
        [],
        "Value error, Running a selected deployment from a flow run state change event may lead to an infinite loop of flow runs.  Please include additional filtering labels on either match or match_related to narrow down which flow runs will trigger this automation to exclude flow runs from the deployment you've selected.",
      );
  }
}

function parse(body: unknown, create: boolean): AutomationCreateInput {
  const is = new Issues();
  const o = isObject(body) ? body : {};
  if (!isObject(body)) is.add([], "Input should be a valid dictionary", "model_attributes_type");
  noExtra(o, create ? [...CORE, "owner_resource"] : CORE, [], is);
  const a: AutomationCreateInput = {
    name: str(o.name, ["name"], is) ?? "",
    description: str(o.description, ["description"], is, "") ?? "",
    enabled: bool(o.enabled, ["enabled"], is, true) ?? true,
    tags: strings(o.tags, ["tags"], is) ?? [],
    trigger: parseTrigger(o.trigger, ["trigger"], is) as Trigger,
    actions: actions(o.actions, ["actions"], is, true),
    actions_on_trigger: actions(o.actions_on_trigger, ["actions_on_trigger"], is, false),
    actions_on_resolve: actions(o.actions_on_resolve, ["actions_on_resolve"], is, false),
    owner_resource: create && typeof o.owner_resource === "string" ? o.owner_resource : null,
  };
  if (create && o.owner_resource !== undefined && o.owner_resource !== null && typeof o.owner_resource !== "string")
    is.add(["owner_resource"], "Input should be a valid string", "string_type");
  if (!is.list.length) loopCheck(a, is);
  if (is.list.length) throw invalidFields(is.list[0]!.msg, is.list);
  return a;
}

export const automationCreateOf = (body: unknown): AutomationCreateInput => parse(body, true);
export const automationUpdateOf = (body: unknown): AutomationInput => {
  const { owner_resource: _, ...rest } = parse(body, false);
  return rest;
};

/** AutomationPartialUpdate: only `enabled` (true when left out). */
export function automationPatchOf(body: unknown): { enabled: boolean } {
  const is = new Issues();
  const o = isObject(body) ? body : {};
  if (!isObject(body)) is.add([], "Input should be a valid dictionary", "model_attributes_type");
  noExtra(o, ["enabled"], [], is);
  const enabled = bool(o.enabled, ["enabled"], is, true);
  if (is.list.length) throw invalidFields(is.list[0]!.msg, is.list);
  return { enabled: enabled! };
}

/** The deployments an automation's run-deployment actions select (Prefect relates it to each). */
export function relatedDeployments(a: AutomationInput): string[] {
  const ids = a.actions
    .filter((x) => x.type === "run-deployment" && x.source === "selected" && typeof x.deployment_id === "string")
    .map((x) => `prefect.deployment.${x.deployment_id as string}`);
  return [...new Set(ids)];
}
