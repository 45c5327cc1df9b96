// A run-deployment action's parameters as Prefect renders them (server/events/actions.py
// RunDeployment.render_parameters with utilities/schema_tools/hydration.py): a plain string holding a
// template is first upgraded to the v2 form — a lone `{{ expr }}` becomes json-of-jinja over
// `{{ expr | tojson }}`, so `{{ event.payload.n }}` gives the number 5, not the text "5", and the run
// passes its deployment's parameter schema; any other template stays a string — then every
// `__prefect_kind` placeholder is hydrated. Pure: the caller renders templates.

type Render = (template: string) => string;

const maybeTemplate = (s: string) => s.includes("{{") || s.includes("{%");

function wrapV1(template: string): Record<string, unknown> {
  const t = template.trim();
  if (t.startsWith("{{") && t.endsWith("}}") && t.split("{{").length === 2)
    return {
      __prefect_kind: "json",
      value: { __prefect_kind: "jinja", template: `{{ ${t.slice(2, -2).trim()} | tojson }}` },
    };
  return { __prefect_kind: "jinja", template };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Prefect's _upgrade_v1_templates, on a copy: strings in dicts and in lists of a dict, recursing into dicts. */
function upgrade(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (isObject(v)) out[k] = "__prefect_kind" in v ? v : upgrade(v);
    else if (Array.isArray(v))
      out[k] = v.map((item) =>
        isObject(item) ? upgrade(item) : typeof item === "string" && maybeTemplate(item) ? wrapV1(item) : item,
      );
    else out[k] = typeof v === "string" && maybeTemplate(v) ? wrapV1(v) : v;
  }
  return out;
}

class HydrationError extends Error {}

function hydrate(v: unknown, render: Render): unknown {
  if (Array.isArray(v)) return v.map((x) => hydrate(x, render));
  if (!isObject(v)) return v;
  if (!("__prefect_kind" in v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hydrate(x, render)]));
  switch (v.__prefect_kind) {
    case "jinja":
      if (typeof v.template !== "string") throw new HydrationError("Invalid jinja: template must be a string");
      return render(v.template);
    case "json": {
      const inner = hydrate(v.value, render);
      if (typeof inner !== "string") return inner;
      try {
        return JSON.parse(inner);
      } catch (e) {
        throw new HydrationError(`Invalid JSON: ${(e as Error).message}`);
      }
    }
    case null:
    case "none":
      return v.value ?? null;
    default:
      throw new HydrationError(`Unsupported parameter kind ${JSON.stringify(v.__prefect_kind)}`);
  }
}

/** The rendered parameters, or the reason they cannot be (the action then fails with it). */
export function renderParameters(
  params: Record<string, unknown>,
  render: Render,
): { parameters: Record<string, unknown> } | { error: string } {
  try {
    return { parameters: hydrate(upgrade(params), render) as Record<string, unknown> };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
