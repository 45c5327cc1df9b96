// The prefect.artifact-collection.* lifecycle events Prefect's server emits when a key's latest artifact
// changes (events/schemas/lifecycle.py): created (the key's first artifact), updated (a newer one, or the
// next newest after the latest was deleted) and deleted (its last one went). The latest artifact and its
// runs are related resources; the payload has the key, type, data and description.
import type { ReceivedEvent } from "./bus.ts";

export interface CollectionRef {
  id: string;
  key: string;
  latest_id: string;
  type: string | null;
  data: unknown;
  description: string | null;
  flow_run_id: string | null;
  task_run_id: string | null;
}

export type CollectionAction = "created" | "updated" | "deleted";

export function artifactCollectionEvent(action: CollectionAction, c: CollectionRef, now: string): ReceivedEvent {
  const related = [{ "prefect.resource.id": `prefect.artifact.${c.latest_id}`, "prefect.resource.role": "latest" }];
  if (c.flow_run_id)
    related.push({ "prefect.resource.id": `prefect.flow-run.${c.flow_run_id}`, "prefect.resource.role": "flow-run" });
  if (c.task_run_id)
    related.push({ "prefect.resource.id": `prefect.task-run.${c.task_run_id}`, "prefect.resource.role": "task-run" });
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: `prefect.artifact-collection.${action}`,
    resource: { "prefect.resource.id": `prefect.artifact-collection.${c.id}`, "prefect.resource.name": c.key },
    related,
    payload: { key: c.key, type: c.type, data: c.data ?? null, description: c.description },
    follows: null,
    received: now,
  };
}
