// The prefect.flow-run.<State name> event the server emits for every accepted flow-run transition
// (contract §5.6): workers' cancellation observers, automations and the dashboard rely on it.
import { diffSeconds, type State } from "../orchestration/index.ts";
import type { ReceivedEvent } from "./bus.ts";

export interface FlowRunEventInput {
  run: {
    id: string;
    name: string;
    run_count: number;
    flow_id: string;
    tags: string[];
    parent_task_run_id: string | null;
    deployment_id: string | null;
    work_queue_name: string | null;
    work_queue_id?: string | null;
    work_pool_id?: string | null;
    work_pool_name?: string | null;
    work_pool_type?: string | null;
  };
  flowName: string | null;
  initial: State | null;
  validated: State;
  intendedTo: string;
  received: string;
}

const stateSummary = (s: State) => ({
  type: s.type,
  name: s.name,
  message: s.message ?? "",
  state_details: s.state_details,
});

export function flowRunStateEvent(e: FlowRunEventInput): ReceivedEvent {
  const { run, validated, initial } = e;
  const related: Array<Record<string, string>> = [
    {
      "prefect.resource.id": `prefect.flow.${run.flow_id}`,
      "prefect.resource.role": "flow",
      ...(e.flowName ? { "prefect.resource.name": e.flowName } : {}),
    },
  ];
  if (run.deployment_id)
    related.push({
      "prefect.resource.id": `prefect.deployment.${run.deployment_id}`,
      "prefect.resource.role": "deployment",
    });
  // Workers watch for prefect.flow-run.Cancelling related to their pool (contract §8.1).
  if (run.work_queue_id && run.work_queue_name)
    related.push({
      "prefect.resource.id": `prefect.work-queue.${run.work_queue_id}`,
      "prefect.resource.name": run.work_queue_name,
      "prefect.resource.role": "work-queue",
    });
  if (run.work_pool_id)
    related.push({
      "prefect.resource.id": `prefect.work-pool.${run.work_pool_id}`,
      "prefect.resource.name": run.work_pool_name ?? "",
      "prefect.resource.role": "work-pool",
      "prefect.work-pool.type": run.work_pool_type ?? "",
    });
  if (run.parent_task_run_id)
    related.push({
      "prefect.resource.id": `prefect.task-run.${run.parent_task_run_id}`,
      "prefect.resource.role": "task-run",
    });
  for (const tag of run.tags ?? [])
    related.push({ "prefect.resource.id": `prefect.tag.${tag}`, "prefect.resource.role": "tag" });
  // Prefect links to the previous state's event only when it is recent enough to still be in memory.
  const follows = initial && Math.abs(diffSeconds(validated.timestamp, initial.timestamp)) < 300 ? initial.id : null;
  return {
    id: validated.id,
    occurred: validated.timestamp,
    event: `prefect.flow-run.${validated.name}`,
    resource: {
      "prefect.resource.id": `prefect.flow-run.${run.id}`,
      "prefect.resource.name": run.name,
      "prefect.run-count": String(run.run_count),
      "prefect.state-message": validated.message ?? "",
      "prefect.state-name": validated.name,
      "prefect.state-timestamp": validated.timestamp,
      "prefect.state-type": validated.type,
    },
    related,
    payload: {
      intended: { from: initial?.type ?? null, to: e.intendedTo },
      initial_state: initial ? stateSummary(initial) : null,
      validated_state: { ...stateSummary(validated), data: validated.data ?? null },
    },
    follows,
    received: e.received,
  };
}

/** Publishes the event of an accepted flow-run transition (API set_state, run creation, dashboard actions). */
export function publishFlowRunTransition(
  bus: { publish(events: ReceivedEvent[]): void },
  t: {
    result: { stateToWrite: State | null; emitEvent: boolean };
    run: FlowRunEventInput["run"];
    flowName: string | null;
    initial: State | null;
  } | null,
  received: string,
): void {
  const s = t?.result.stateToWrite;
  if (!t || !s || !t.result.emitEvent) return;
  bus.publish([
    flowRunStateEvent({
      run: t.run,
      flowName: t.flowName,
      initial: t.initial,
      validated: s,
      intendedTo: s.type,
      received,
    }),
  ]);
}
