// The layering the code promises (README, Architecture): data flows one way, and this test reads the
// import graph of src/ and views/ to hold it. It fails on an import cycle and on an import that runs up
// the layers, naming the offending pair, e.g. "src/store/flows.ts (store) → src/api/common.ts (api)".
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..", "..");

/** Lowest first; a file may import its own layer and any below it. First match wins. */
export const LAYERS: Array<[layer: string, rank: number, match: RegExp]> = [
  ["core", 0, /^src\/(core\/|types\.d\.ts$)/],
  ["schemas", 1, /^src\/schemas\//],
  ["settings", 1, /^src\/settings\//],
  ["schedules", 1, /^src\/schedules\//],
  // The transition entry point does I/O through the stores; the rest of orchestration is pure rules.
  [
    "transitions",
    5,
    /^src\/orchestration\/(transitions|deployments|work-pools|variables|artifacts|blocks|automations)\.ts$/,
  ],
  ["rules", 1, /^src\/orchestration\//],
  ["events", 2, /^src\/events\//],
  ["db", 2, /^src\/db\//],
  ["store", 3, /^src\/store\//],
  ["services", 6, /^src\/services\//],
  ["views", 7, /^views\//],
  ["ui", 8, /^src\/ui\//],
  // The composition root wires the API, the dashboard and the services together.
  ["app", 9, /^src\/api\/app\.ts$/],
  ["api", 8, /^src\/api\//],
  ["cli", 10, /^src\/cli\//],
  ["main", 11, /^src\/main\.ts$/],
];

/** Pairs of layers that may not meet even where the ranks allow it. */
const FORBIDDEN: Array<[from: string, to: string, why: string]> = [
  ["views", "*", "views are pure functions of their props: they import views and packages only"],
  ["ui", "api", "the dashboard reads stores and writes through transitions, never through API routes"],
  ["api", "ui", "the API does not render pages"],
];

export function layerOf(file: string): { layer: string; rank: number } {
  for (const [layer, rank, match] of LAYERS) if (match.test(file)) return { layer, rank };
  throw new Error(`${file} is in no layer: add it to LAYERS in test/unit/layers.test.ts`);
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx)$/.test(name)) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["'](\.[^"']+)["']/g;

/** Each file's imports of other source files in src/ or views/ (packages and assets are left out). */
export function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]));
      if (known.has(target)) deps.push(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Every cycle, as the files of one strongly connected component (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Imports that run up the layers or cross a forbidden pair. */
export function violations(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    const a = layerOf(from);
    for (const to of deps) {
      const b = layerOf(to);
      const forbidden = FORBIDDEN.find(([f, t]) => f === a.layer && (t === "*" ? b.layer !== a.layer : t === b.layer));
      if (forbidden) out.push(`${from} (${a.layer}) → ${to} (${b.layer}): ${forbidden[2]}`);
      else if (b.rank > a.rank) out.push(`${from} (${a.layer}) → ${to} (${b.layer}): imports up the layers`);
    }
  }
  return out;
}

describe("layers", () => {
  const graph = importGraph([...sources("src"), ...sources("views")]);

  test("every source file is in a layer, and the graph is read", () => {
    for (const file of graph.keys()) layerOf(file);
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("src/main.ts")).toContain("src/cli/server.ts");
  });

  test("no import cycles", () => {
    expect(cycles(graph).map((c) => c.join(" ↔ "))).toEqual([]);
  });

  test("no import runs up the layers", () => {
    expect(violations(graph)).toEqual([]);
  });

  test("below the HTTP layer errors carry field paths, never HTTP shapes (loc, body, status)", () => {
    const below = [...graph.keys()].filter((f) => !/^src\/(api|ui|cli|main)/.test(f) && !f.startsWith("views/"));
    // events/schema.ts is handed its loc prefix by each caller (a body index, or none for a socket frame).
    const offenders = below.filter(
      (f) => f !== "src/events/schema.ts" && /\bloc:\s*\[|["']body["']\s*,/.test(readFileSync(join(ROOT, f), "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  test("the check sees a back-edge and a cycle when one is added", () => {
    const broken = new Map(graph);
    broken.set("src/store/flows.ts", [...(graph.get("src/store/flows.ts") ?? []), "src/api/common.ts"]);
    expect(violations(broken)).toContain("src/store/flows.ts (store) → src/api/common.ts (api): imports up the layers");
    broken.set("src/core/errors.ts", ["src/core/logger.ts"]);
    broken.set("src/core/logger.ts", ["src/core/errors.ts"]);
    expect(cycles(broken)).toContainEqual(["src/core/errors.ts", "src/core/logger.ts"]);
  });
});
