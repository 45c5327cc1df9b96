// User templates (notification subjects and bodies, webhook payloads, run-deployment parameters),
// Jinja-compatible through nunjucks: a well-kept engine whose syntax is Jinja's for everything Prefect's
// templates use ({{ flow_run.name }}, filters, if/for). Nunjucks itself does not sandbox member lookups,
// so this module does: a template sees only its context's own data properties (no constructor, no
// prototype, no _private names), and loops are bounded as Prefect's user_templates.py bounds them.
// Saving a template checks its syntax and that every variable it reads is one Prefect's context has.
import nunjucks from "nunjucks";

const MAX_LOOPS = 10;
const MAX_LOOP_DEPTH = 2;

/** The names Prefect's JinjaTemplateAction puts in a template's context (server/events/actions.py). */
export const TEMPLATE_NAMES = [
  "automation",
  "event",
  "labels",
  "firing",
  "firings",
  "events",
  "flow",
  "flow_run",
  "deployment",
  "work_queue",
  "work_pool",
  "task_run",
  "variables",
  "metric",
] as const;
const GLOBALS = ["range", "cycler", "joiner", "loop", "caller", "true", "false", "none", "True", "False", "None"];

const runtime = (nunjucks as unknown as { runtime: Record<string, unknown> }).runtime;
const plainLookup = runtime.memberLookup as (obj: unknown, key: unknown) => unknown;
// Own data properties only: `{{ x.constructor }}` and friends are undefined, never a function.
runtime.memberLookup = (obj: unknown, key: unknown) => {
  if (obj === null || obj === undefined) return undefined;
  const k = String(key);
  if (k.startsWith("_") || k === "constructor" || k === "prototype") return undefined;
  if (typeof obj === "object" && !Object.hasOwn(obj as object, k)) return undefined;
  if (typeof obj !== "object" && k !== "length") return undefined;
  const v = plainLookup(obj, key);
  return typeof v === "function" ? undefined : v;
};

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
// Jinja's tojson, which Prefect's run-deployment parameters use (events/parameter-templates.ts).
env.addFilter("tojson", (v: unknown) => JSON.stringify(v === undefined ? null : v));

export interface TemplateError {
  line: number | null;
  message: string;
}

type AnyNode = { typename: string; fields?: string[]; children?: AnyNode[]; value?: unknown; lineno?: number } & Record<
  string,
  unknown
>;

function walk(node: AnyNode, visit: (n: AnyNode, loopDepth: number) => void, depth = 0): void {
  if (!node || typeof node !== "object") return;
  const d = node.typename === "For" ? depth + 1 : depth;
  visit(node, d);
  for (const f of node.fields ?? []) {
    const child = node[f] as AnyNode | AnyNode[] | undefined;
    if (Array.isArray(child)) for (const c of child) walk(c, visit, d);
    else if (child && typeof child === "object") walk(child, visit, d);
  }
  for (const c of node.children ?? []) walk(c, visit, d);
}

const symbolsIn = (n: AnyNode | undefined): string[] => {
  if (!n) return [];
  if (n.typename === "Symbol") return [String(n.value)];
  return (n.children ?? []).flatMap(symbolsIn);
};

/** A template's syntax and names checked: null when it may be saved, else where and why not. */
export function validateTemplate(source: string, known: readonly string[] = TEMPLATE_NAMES): TemplateError | null {
  let root: AnyNode;
  try {
    root = (nunjucks as unknown as { parser: { parse(s: string): AnyNode } }).parser.parse(source);
  } catch (e) {
    const m = /\[Line (\d+), Column \d+\]\s*([\s\S]*)$/.exec(String((e as Error).message));
    const at = (e as { lineno?: number }).lineno;
    return {
      line: m ? Number(m[1]) : typeof at === "number" ? at + 1 : null,
      message: (m?.[2] ?? String((e as Error).message)).trim(),
    };
  }
  const bound = new Set<string>([...known, ...GLOBALS]);
  let loops = 0;
  let deepest = 0;
  const used: Array<{ name: string; line: number }> = [];
  const skip = new Set<AnyNode>();
  walk(root, (n, depth) => {
    if (n.typename === "For" || n.typename === "AsyncEach" || n.typename === "AsyncAll") {
      loops++;
      deepest = Math.max(deepest, depth);
      for (const s of symbolsIn(n.name as AnyNode)) bound.add(s);
    }
    if (n.typename === "Set")
      for (const t of (n.targets as AnyNode[]) ?? []) for (const s of symbolsIn(t)) bound.add(s);
    if (n.typename === "Macro") {
      for (const s of symbolsIn(n.name as AnyNode)) bound.add(s);
      for (const a of ((n.args as AnyNode)?.children ?? []) as AnyNode[])
        for (const s of symbolsIn(a.typename === "KeywordArgs" ? undefined : a)) bound.add(s);
    }
    if (n.typename === "Filter" || n.typename === "FilterAsync") skip.add(n.name as AnyNode);
    if (n.typename === "Symbol" && !skip.has(n)) used.push({ name: String(n.value), line: (n.lineno ?? 0) + 1 });
  });
  if (loops > MAX_LOOPS)
    return {
      line: null,
      message: `Contains ${loops} for loops. Templates can contain no more than ${MAX_LOOPS} for loops.`,
    };
  if (deepest > MAX_LOOP_DEPTH)
    return {
      line: null,
      message: `Contains nested for loops at a depth of ${deepest}. Templates can nest for loops no more than ${MAX_LOOP_DEPTH} loops deep.`,
    };
  const unknown = used.find((u) => !bound.has(u.name));
  if (unknown) return { line: unknown.line, message: `'${unknown.name}' is undefined` };
  return null;
}

/** Filters a template may use besides nunjucks' own (ui_url and friends, given by the caller). */
export function addTemplateFilter(name: string, fn: (...args: unknown[]) => unknown): void {
  env.addFilter(name, fn);
}

/** The template rendered over plain data; a failure is the error's text, as Prefect reports it. */
export function renderTemplate(source: string, context: Record<string, unknown>): { text: string } | { error: string } {
  try {
    return { text: env.renderString(source, context) };
  } catch (e) {
    return { error: String((e as Error).message) };
  }
}
