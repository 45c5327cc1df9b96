// A flow run's graph (GET /flow_runs/{id}/graph-v2, the dashboard's graph view) and its task-run
// dependency map (GET /flow_runs/{id}/graph). Nodes are the run's task runs, a task run that stands for
// a subflow being its flow run instead; edges come from task_inputs, whose `__parents__` key names the
// task runs a node ran inside (encapsulating) and whose other keys name the runs whose results it took
// (parents). Prefect builds this in SQL per dialect; here two indexed reads and the edges in memory,
// which is the same work for both databases.
import { AppError } from "../core/errors.ts";
import type { Driver, Row } from "../db/driver.ts";
import { rows } from "../db/driver.ts";
import { TABLE_CODECS } from "../db/rows.ts";
import { sql } from "../db/sql-tag.ts";
import { runSelect, taskRunJson } from "./run-shapes.ts";

export interface GraphNode {
  kind: "flow-run" | "task-run";
  id: string;
  label: string;
  state_type: string | null;
  start_time: string;
  end_time: string | null;
  parents: { id: string }[];
  children: { id: string }[];
  encapsulating: { id: string }[];
  artifacts: GraphArtifact[];
}

export interface GraphArtifact {
  id: string;
  created: string;
  key: string | null;
  type: string | null;
  is_latest: boolean;
  data: unknown;
}

export interface Graph {
  start_time: string | null;
  end_time: string | null;
  root_node_ids: string[];
  nodes: [string, GraphNode][];
  artifacts: GraphArtifact[];
  states: { id: string; timestamp: string; type: string; name: string }[];
}

/** Prefect's PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES / _MAX_ARTIFACTS defaults. */
export const MAX_GRAPH_NODES = 10_000;
export const MAX_GRAPH_ARTIFACTS = 10_000;

const TASK_COLUMNS = sql`task_run.id, task_run.name, task_run.state_type, task_run.start_time, task_run.end_time,
  task_run.expected_start_time, task_run.task_inputs`;
const { columns: TASK_RUN_COLUMNS, from: TASK_RUN_FROM, codec: TASK_RUN_CODEC } = runSelect("task_run");

/** The ids a task_inputs value names: lists of {input_type, id}. */
function inputIds(inputs: unknown, want: (key: string) => boolean): string[] {
  if (!inputs || typeof inputs !== "object") return [];
  const out: string[] = [];
  for (const [key, list] of Object.entries(inputs as Record<string, unknown>)) {
    if (!want(key) || !Array.isArray(list)) continue;
    for (const x of list) {
      const id = (x as { id?: unknown } | null)?.id;
      if (typeof id === "string" && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

export function flowRunGraphStore(driver: Driver) {
  return {
    /** Null when the run does not exist; a 400 past `maxNodes` nodes, as Prefect's. */
    graph(flowRunId: string, since: string | null, maxNodes = MAX_GRAPH_NODES): Promise<Graph | null> {
      return driver.read(function* () {
        const [run] = yield* rows<Row>(
          sql`SELECT coalesce(start_time, expected_start_time) AS start_time, end_time FROM flow_run WHERE id = ${flowRunId}`,
          TABLE_CODECS.flow_run,
        );
        if (!run) return null;
        const tasks = yield* rows<Row>(
          sql`SELECT ${TASK_COLUMNS} FROM task_run WHERE task_run.flow_run_id = ${flowRunId}
            ORDER BY coalesce(task_run.start_time, task_run.expected_start_time), task_run.id`,
          TABLE_CODECS.task_run,
        );
        const subflows = tasks.length
          ? yield* rows<Row>(
              sql`SELECT flow_run.id, flow_run.name, flow_run.state_type, flow_run.start_time, flow_run.end_time,
                flow_run.expected_start_time, flow_run.parent_task_run_id, flow.name AS flow_name
                FROM flow_run JOIN flow ON flow.id = flow_run.flow_id
                WHERE flow_run.parent_task_run_id IN (SELECT id FROM task_run WHERE flow_run_id = ${flowRunId})`,
              TABLE_CODECS.flow_run,
            )
          : [];
        const subflowOf = new Map(subflows.map((f) => [f.parent_task_run_id as string, f]));
        // A subflow's parent task run is known by the task's id in the inputs of the runs after it.
        const nodeIdOf = (taskId: string) => (subflowOf.get(taskId)?.id as string | undefined) ?? taskId;

        interface Draft {
          node: GraphNode;
          parentTasks: string[];
          encapsulatingTasks: string[];
        }
        const drafts: Draft[] = [];
        for (const t of tasks) {
          const f = subflowOf.get(t.id as string);
          const start = (f?.start_time ?? f?.expected_start_time ?? t.start_time ?? t.expected_start_time) as
            | string
            | null;
          if (!start) continue;
          const end = (f?.end_time ?? t.end_time ?? (t.state_type === "COMPLETED" ? t.expected_start_time : null)) as
            | string
            | null;
          drafts.push({
            node: {
              kind: f ? "flow-run" : "task-run",
              id: f ? (f.id as string) : (t.id as string),
              label: f ? `${f.flow_name} / ${f.name}` : (t.name as string),
              state_type: ((f?.state_type ?? t.state_type) as string | null) ?? null,
              start_time: start,
              end_time: end,
              parents: [],
              children: [],
              encapsulating: [],
              artifacts: [],
            },
            parentTasks: inputIds(t.task_inputs, (k) => k !== "__parents__"),
            encapsulatingTasks: inputIds(t.task_inputs, (k) => k === "__parents__"),
          });
        }
        const byId = new Map(drafts.map((d) => [d.node.id, d]));
        const byStart = (a: string, b: string) =>
          byId.get(a)!.node.start_time.localeCompare(byId.get(b)!.node.start_time);
        for (const d of drafts) {
          const parents = d.parentTasks
            .map(nodeIdOf)
            .filter((id) => byId.has(id))
            .sort(byStart);
          d.node.parents = parents.map((id) => ({ id }));
          for (const p of parents) byId.get(p)!.node.children.push({ id: d.node.id });
          d.node.encapsulating = d.encapsulatingTasks
            .map(nodeIdOf)
            .filter((id) => byId.has(id))
            .sort(byStart)
            .map((id) => ({ id }));
        }
        for (const d of drafts) d.node.children.sort((a, b) => byStart(a.id, b.id));

        const kept = drafts.filter((d) => since === null || d.node.end_time === null || d.node.end_time >= since);
        if (kept.length > maxNodes)
          throw new AppError("bad_request", `The graph of flow run ${flowRunId} has more than ${maxNodes} nodes.`);

        const artifacts = yield* rows<Row>(
          sql`SELECT artifact.id, artifact.created, artifact.key, artifact.type, artifact.data, artifact.task_run_id,
              artifact_collection.id AS latest_in_collection_id
            FROM artifact LEFT JOIN artifact_collection
              ON artifact_collection.key = artifact.key AND artifact_collection.latest_id = artifact.id
            WHERE artifact.flow_run_id = ${flowRunId} AND (artifact.type IS NULL OR artifact.type <> 'result')
            ORDER BY artifact.created LIMIT ${MAX_GRAPH_ARTIFACTS}`,
          TABLE_CODECS.artifact,
        );
        const runArtifacts: GraphArtifact[] = [];
        for (const a of artifacts) {
          const ga: GraphArtifact = {
            id: a.id as string,
            created: a.created as string,
            key: (a.key as string | null) ?? null,
            type: (a.type as string | null) ?? null,
            is_latest: a.key === null || a.latest_in_collection_id !== null,
            data: a.type === "progress" ? a.data : null,
          };
          const owner = a.task_run_id ? byId.get(a.task_run_id as string) : undefined;
          if (owner) owner.node.artifacts.push(ga);
          else if (!a.task_run_id) runArtifacts.push(ga);
        }
        const states = yield* rows<Row>(
          sql`SELECT id, timestamp, type, name FROM flow_run_state WHERE flow_run_id = ${flowRunId} ORDER BY timestamp`,
          TABLE_CODECS.flow_run_state,
        );
        return {
          start_time: (run.start_time as string | null) ?? null,
          end_time: (run.end_time as string | null) ?? null,
          root_node_ids: kept.filter((d) => !d.node.parents.length).map((d) => d.node.id),
          nodes: kept.map((d) => [d.node.id, d.node] as [string, GraphNode]),
          artifacts: runArtifacts,
          states: states.map((s) => ({
            id: s.id as string,
            timestamp: s.timestamp as string,
            type: s.type as string,
            name: s.name as string,
          })),
        };
      });
    },

    /** GET /flow_runs/{id}/graph: each task run with the runs it took inputs from. Null: no such run. */
    dependencies(flowRunId: string) {
      return driver.read(function* () {
        const [run] = yield* rows<Row>(sql`SELECT id FROM flow_run WHERE id = ${flowRunId}`);
        if (!run) return null;
        const now = new Date().toISOString().replace("Z", "000Z");
        const trs = yield* rows<Row>(
          sql`SELECT ${TASK_RUN_COLUMNS} FROM ${TASK_RUN_FROM} WHERE task_run.flow_run_id = ${flowRunId}
            ORDER BY task_run.expected_start_time, task_run.id`,
          TASK_RUN_CODEC,
        );
        // DependencyResult lists task runs only: a subflow's result stands for its parent task run (where
        // Prefect's own answer fails its model with a 500).
        const subflows = yield* rows<Row>(
          sql`SELECT id, parent_task_run_id FROM flow_run
            WHERE parent_task_run_id IN (SELECT id FROM task_run WHERE flow_run_id = ${flowRunId})`,
        );
        const taskOfSubflow = new Map(subflows.map((f) => [f.id as string, f.parent_task_run_id as string]));
        const upstream = (inputs: Record<string, unknown[]>) => {
          const ids = new Set<string>();
          for (const x of Object.values(inputs ?? {}).flat() as { input_type?: string; id?: string }[]) {
            if (x?.input_type === "task_run" && x.id) ids.add(x.id);
            else if (x?.input_type === "flow_run" && x.id && taskOfSubflow.has(x.id)) ids.add(taskOfSubflow.get(x.id)!);
          }
          return [...ids].map((id) => ({ input_type: "task_run", id }));
        };
        return trs.map((r) => {
          const tr = taskRunJson(r, now);
          const state = tr.state ?? null;
          return {
            id: tr.id,
            name: tr.name,
            upstream_dependencies: upstream(tr.task_inputs),
            state,
            expected_start_time: tr.expected_start_time,
            start_time: tr.start_time,
            end_time: tr.end_time,
            total_run_time: tr.total_run_time,
            estimated_run_time: tr.estimated_run_time,
            untrackable_result: state?.state_details?.untrackable_result ?? false,
          };
        });
      });
    },
  };
}

export type FlowRunGraphStore = ReturnType<typeof flowRunGraphStore>;
