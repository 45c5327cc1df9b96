// A flow run's graph as one inline SVG: a column per dependency depth (a node sits one column right of
// the furthest of its parents and of the task it ran inside), nodes in a column by start time, edges as
// curves from parent to child (dashed from an encapsulating task). Drawn on the server, so a run of 500
// tasks is one element to scroll, with no script; each node links to its task run or subflow run.

export interface GraphNodeView {
  id: string;
  kind: "flow-run" | "task-run";
  label: string;
  state_type: string | null;
  start_time: string;
  parents: string[];
  encapsulating: string[];
}

const W = 190;
const H = 24;
const GAP_X = 56;
const GAP_Y = 8;
const PAD = 8;
/** Nodes drawn at most; past it the page says how many were left out. */
export const MAX_DRAWN = 2000;

export interface Placed {
  node: GraphNodeView;
  x: number;
  y: number;
}

/** Columns by depth and rows by start time; cycles (never in real data) are cut where they close. */
export function layoutGraph(nodes: GraphNodeView[]): { placed: Map<string, Placed>; width: number; height: number } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const n = byId.get(id)!;
    let d = 0;
    for (const p of [...n.parents, ...n.encapsulating]) if (byId.has(p)) d = Math.max(d, depthOf(p) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columns: GraphNodeView[][] = [];
  for (const n of nodes) (columns[depthOf(n.id)] ??= []).push(n);
  const placed = new Map<string, Placed>();
  let rows = 0;
  columns.forEach((col, c) => {
    col.sort((a, b) => a.start_time.localeCompare(b.start_time) || a.id.localeCompare(b.id));
    for (const [r, node] of col.entries())
      placed.set(node.id, { node, x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) });
    rows = Math.max(rows, col.length);
  });
  return {
    placed,
    width: PAD * 2 + Math.max(1, columns.length) * (W + GAP_X) - GAP_X,
    height: PAD * 2 + Math.max(1, rows) * (H + GAP_Y) - GAP_Y,
  };
}

const short = (s: string, n = 26) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function RunGraph({ nodes, total }: { nodes: GraphNodeView[]; total: number }) {
  if (!nodes.length) return "";
  const { placed, width, height } = layoutGraph(nodes);
  const edges: string[] = [];
  const dashed: string[] = [];
  for (const p of placed.values()) {
    for (const [list, out] of [
      [p.node.parents, edges],
      [p.node.encapsulating, dashed],
    ] as const) {
      for (const from of list) {
        const a = placed.get(from);
        if (!a) continue;
        const x1 = a.x + W;
        const y1 = a.y + H / 2;
        const x2 = p.x;
        const y2 = p.y + H / 2;
        const mid = (x1 + x2) / 2;
        out.push(`M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`);
      }
    }
  }
  return (
    <div class="run-graph" data-nodes={String(nodes.length)}>
      {total > nodes.length ? <p class="muted" safe>{`Showing the first ${nodes.length} of ${total} nodes.`}</p> : ""}
      <svg
        xmlns="http://www.w3.org/2000/svg"
        width={String(width)}
        height={String(height)}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Graph of ${nodes.length} task and subflow runs`}
      >
        {edges.length ? <path class="graph-edge" d={edges.join("")} /> : ""}
        {dashed.length ? <path class="graph-edge encapsulating" d={dashed.join("")} /> : ""}
        {[...placed.values()].map(({ node, x, y }) => (
          <a href={node.kind === "flow-run" ? `/runs/${node.id}` : `/task-runs/${node.id}`}>
            <g class={`graph-node ${node.kind} state-${(node.state_type ?? "none").toLowerCase()}`}>
              <title safe>{`${node.label} (${node.state_type ?? "no state"})`}</title>
              <rect x={String(x)} y={String(y)} width={String(W)} height={String(H)} rx="4" />
              <text x={String(x + 8)} y={String(y + H / 2 + 4)} safe>
                {short(node.label)}
              </text>
            </g>
          </a>
        ))}
      </svg>
    </div>
  );
}
