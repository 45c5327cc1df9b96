// How PATCH /deployments/{id} changes a deployment's schedules (Prefect's update_deployment): when every
// existing schedule and every given one has a slug, each given schedule updates the one with its slug
// (or with the slug it `replaces`, a rename) or is created, and the others stay; when the existing ones
// have slugs but a given one has none, the request is refused so schedules are never lost by accident;
// otherwise the given schedules replace all of them. Pure: the store applies the plan.
import { invalid } from "../core/errors.ts";
import type { ScheduleInput } from "../schemas/deployments.ts";
import type { ScheduleJson } from "./deployment-shapes.ts";

/** A schedule in an update: any field may be missing; `schedule` is checked already when present. */
export type SchedulePatch = Partial<ScheduleInput> & { replaces?: string | null };

export interface SchedulePlan {
  replaceAll: boolean;
  create: ScheduleInput[];
  patch: Array<{ id: string; rename: boolean; fields: Partial<ScheduleInput> }>;
}

const unprocessable = (message: string) => invalid(message);

function toCreate(p: SchedulePatch): ScheduleInput {
  if (!p.schedule) throw unprocessable("Unable to create new deployment schedules without a schedule configuration.");
  return {
    schedule: p.schedule,
    active: p.active ?? true,
    max_scheduled_runs: p.max_scheduled_runs ?? null,
    parameters: p.parameters ?? {},
    slug: p.slug ?? null,
  };
}

export function planScheduleUpdate(existing: ScheduleJson[], given: SchedulePatch[]): SchedulePlan {
  const allGivenSlugged = given.every((s) => s.slug != null);
  const allExistingSlugged = existing.length > 0 && existing.every((s) => s.slug != null);
  if (!allGivenSlugged && allExistingSlugged)
    throw unprocessable(
      "Please provide a slug for each schedule in your request to ensure schedules are updated correctly.",
    );
  if (!(allGivenSlugged && allExistingSlugged))
    return { replaceAll: true, create: given.filter((s) => s.schedule).map(toCreate), patch: [] };

  const bySlug = new Map(existing.map((s) => [s.slug as string, s]));
  const replaced = new Set<string>();
  for (const s of given) {
    if (!s.replaces) continue;
    if (replaced.has(s.replaces))
      throw unprocessable(`Multiple schedules have 'replaces' targeting the same slug: ${s.replaces}`);
    replaced.add(s.replaces);
  }
  const plan: SchedulePlan = { replaceAll: false, create: [], patch: [] };
  for (const s of given) {
    const slug = s.slug as string;
    if (s.replaces && bySlug.has(slug) && !replaced.has(slug))
      throw unprocessable(
        `Cannot rename schedule from '${s.replaces}' to '${slug}': a schedule with slug '${slug}' already exists.`,
      );
    const target = bySlug.get(s.replaces ?? slug);
    if (!target) {
      plan.create.push(toCreate(s));
      continue;
    }
    const fields: Partial<ScheduleInput> = {};
    if (s.schedule) fields.schedule = s.schedule;
    if (s.active != null) fields.active = s.active;
    if (s.max_scheduled_runs != null) fields.max_scheduled_runs = s.max_scheduled_runs;
    if (s.parameters !== undefined) fields.parameters = s.parameters;
    if (s.replaces) fields.slug = slug;
    plan.patch.push({ id: target.id, rename: Boolean(s.replaces), fields });
  }
  return plan;
}
