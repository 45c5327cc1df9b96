// Prefect's server action models (prefect/server/events/actions.py, ServerActionTypes): each action's
// fields with their defaults, the selected/inferred rule for deployment, work pool, work queue and
// automation actions, and the templates of send-notification and call-webhook checked on save.
import { validateTemplate } from "../core/templates.ts";
import { STATE_TYPES } from "../orchestration/states.ts";
import {
  bool,
  dict,
  type Issues,
  isObject,
  oneOf,
  optStr,
  type Path,
  seconds,
  str,
  uuid,
} from "./automation-checks.ts";

export type Action = { type: string } & Record<string, unknown>;

export const ACTION_TYPES = [
  "do-nothing",
  "run-deployment",
  "pause-deployment",
  "resume-deployment",
  "cancel-flow-run",
  "delete-flow-run",
  "change-flow-run-state",
  "pause-work-queue",
  "resume-work-queue",
  "send-notification",
  "call-webhook",
  "pause-automation",
  "resume-automation",
  "suspend-flow-run",
  "resume-flow-run",
  "pause-work-pool",
  "resume-work-pool",
] as const;

/** source "selected" needs the id, "inferred" forbids it (Prefect's selected_*_requires_id). */
function selected(o: Record<string, unknown>, idKey: string, path: Path, is: Issues) {
  const source = oneOf(o.source, ["selected", "inferred"] as const, [...path, "source"], is, "selected");
  const id = uuid(o[idKey], [...path, idKey], is, false);
  if (source && id !== undefined && (source === "selected") !== Boolean(id))
    is.add(path, `Value error, ${idKey} is ${id ? "not allowed" : "required"}`);
  return { source, [idKey]: id ?? null };
}

function template(v: unknown, path: Path, is: Issues, dflt?: string): string | undefined {
  const s = str(v, path, is, dflt);
  if (s === undefined) return undefined;
  const err = validateTemplate(s);
  if (err) return is.add(path, `Value error, ${path[path.length - 1]!} is not a valid template: ${err.message}`);
  return s;
}

export function parseAction(v: unknown, path: Path, is: Issues): Action | undefined {
  if (!isObject(v)) return is.add(path, "Input should be a valid dictionary", "model_type");
  const type = v.type;
  const at = (k: string): Path => [...path, k];
  switch (type) {
    case "do-nothing":
    case "cancel-flow-run":
    case "delete-flow-run":
    case "suspend-flow-run":
    case "resume-flow-run":
      return { type };
    case "run-deployment":
      return {
        type,
        ...selected(v, "deployment_id", path, is),
        parameters: dict(v.parameters, at("parameters"), is),
        job_variables: dict(v.job_variables, at("job_variables"), is),
        schedule_after: seconds(v.schedule_after, at("schedule_after"), is, 0),
      };
    case "pause-deployment":
    case "resume-deployment":
      return { type, ...selected(v, "deployment_id", path, is) };
    case "pause-work-pool":
    case "resume-work-pool":
      return { type, ...selected(v, "work_pool_id", path, is) };
    case "pause-work-queue":
    case "resume-work-queue":
      return { type, ...selected(v, "work_queue_id", path, is) };
    case "pause-automation":
    case "resume-automation":
      return { type, ...selected(v, "automation_id", path, is) };
    case "change-flow-run-state":
      return {
        type,
        name: optStr(v.name, at("name"), is),
        state: oneOf(v.state, STATE_TYPES, at("state"), is),
        message: optStr(v.message, at("message"), is),
        force: bool(v.force, at("force"), is, false),
      };
    case "send-notification":
      return {
        type,
        block_document_id: uuid(v.block_document_id, at("block_document_id"), is),
        subject: template(v.subject, at("subject"), is, "Prefect automated notification"),
        body: template(v.body, at("body"), is),
      };
    case "call-webhook": {
      // Prefect still takes a payload given as a dictionary and keeps it as its JSON text.
      const payload = isObject(v.payload) ? JSON.stringify(v.payload) : (v.payload ?? "");
      return {
        type,
        block_document_id: uuid(v.block_document_id, at("block_document_id"), is),
        payload: template(payload, at("payload"), is),
      };
    }
    default:
      return is.add(
        at("type"),
        type === "declare-incident"
          ? "declare-incident is only available in Prefect Cloud"
          : `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${ACTION_TYPES.map((t) => `'${t}'`).join(", ")}`,
        "union_tag_invalid",
      );
  }
}
