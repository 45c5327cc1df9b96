// A few real objects in the fuzzed server before schemathesis starts, and a schemathesis config that
// draws ids and names from them. Without it every read, update, delete and set_state by id meets only
// its 404 (nothing else in the schema links to them), so their 200 bodies would never be checked.
// The bindings name schema parameters, not routes: a new route whose `{id}` is a flow run's picks them
// up by adding its path pattern here; without that it is still fuzzed, with made-up ids.

interface Pools {
  flow_ids: string[];
  flow_names: string[];
  flow_run_ids: string[];
  task_run_ids: string[];
  flow_run_state_ids: string[];
  task_run_state_ids: string[];
}

async function call(api: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${api}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`seeding: ${method} ${path} answered ${r.status}: ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

/** Two flows, four flow runs in several states, task runs with states, logs and an event. */
export async function seed(api: string): Promise<Pools> {
  const pools: Pools = { flow_ids: [], flow_names: [], flow_run_ids: [], task_run_ids: [], flow_run_state_ids: [], task_run_state_ids: [] };
  const states = ["RUNNING", "COMPLETED", "FAILED", null];
  for (const name of ["fuzz-seed-a", "fuzz-seed-b"]) {
    const flow = await call(api, "POST", "/flows/", { name, tags: ["fuzz"], labels: { team: "fuzz" } });
    pools.flow_ids.push(flow.id);
    pools.flow_names.push(name);
    for (const [i, type] of states.entries()) {
      const run = await call(api, "POST", "/flow_runs/", { flow_id: flow.id, name: `${name}-run-${i}`, parameters: { i }, tags: ["fuzz"] });
      pools.flow_run_ids.push(run.id);
      // Task runs move only while their flow run is running, so the flow run ends last.
      if (type) await call(api, "POST", `/flow_runs/${run.id}/set_state`, { state: { type: "RUNNING" } });
      const task = await call(api, "POST", "/task_runs/", { flow_run_id: run.id, task_key: `task-${i}`, dynamic_key: "0", tags: ["fuzz"] });
      pools.task_run_ids.push(task.id);
      if (type) await call(api, "POST", `/task_runs/${task.id}/set_state`, { state: { type: "RUNNING" } });
      if (type && type !== "RUNNING") {
        await call(api, "POST", `/task_runs/${task.id}/set_state`, { state: { type } });
        await call(api, "POST", `/flow_runs/${run.id}/set_state`, { state: { type } });
      }
      await call(api, "POST", "/logs/", [
        { name: "fuzz", level: 20, message: `run ${i}`, timestamp: new Date().toISOString(), flow_run_id: run.id, task_run_id: task.id },
      ]);
      for (const s of await call(api, "GET", `/flow_run_states/?flow_run_id=${run.id}`)) pools.flow_run_state_ids.push(s.id);
      for (const s of await call(api, "GET", `/task_run_states/?task_run_id=${task.id}`)) pools.task_run_state_ids.push(s.id);
    }
  }
  await call(api, "POST", "/events", [
    {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: "fuzz.seeded",
      resource: { "prefect.resource.id": `prefect.flow-run.${pools.flow_run_ids[0]}` },
      related: [],
      payload: {},
    },
  ]);
  return pools;
}

// Which parameter draws from which pool, per path pattern (schemathesis's include-path-regex).
const BINDINGS: [pathRegex: string, parameter: string, pool: keyof Pools][] = [
  ["^/flows/\\{id\\}$", "path.id", "flow_ids"],
  ["^/flows/name/\\{name\\}$", "path.name", "flow_names"],
  ["^/flow_runs/\\{id\\}", "path.id", "flow_run_ids"],
  ["^/task_runs/\\{id\\}", "path.id", "task_run_ids"],
  ["^/flow_run_states/\\{id\\}$", "path.id", "flow_run_state_ids"],
  ["^/task_run_states/\\{id\\}$", "path.id", "task_run_state_ids"],
  ["^/flow_run_states/$", "query.flow_run_id", "flow_run_ids"],
  ["^/task_run_states/$", "query.task_run_id", "task_run_ids"],
  ["^/flow_runs/$", "body.flow_id", "flow_ids"],
  ["^/task_runs/$", "body.flow_run_id", "flow_run_ids"],
];

/** schemathesis.toml: the pools as dictionaries, drawn 70% of the time (made-up ids still get tried). */
export function schemathesisConfig(pools: Pools): string {
  const str = (s: string) => JSON.stringify(s); // a JSON string of these characters is a TOML string
  const lines: string[] = [];
  for (const [name, values] of Object.entries(pools)) {
    lines.push(`[dictionaries.${name}]`, `values = [${values.map(str).join(", ")}]`, "");
  }
  for (const [regex, parameter, pool] of BINDINGS) {
    lines.push("[[operations]]", `include-path-regex = ${str(regex)}`, `parameters = { ${str(parameter)} = { dictionary = ${str(pool)}, probability = 0.7 } }`, "");
  }
  return lines.join("\n");
}
