// A few real objects in the fuzzed server before schemathesis starts, and a schemathesis config that
// draws ids and names from them. Without it every read, update, delete and set_state by id meets only
// its 404 (nothing else in the schema links to them), so their 200 bodies would never be checked.
// DELETE by id draws from objects of its own, so that deletes (and their cascades) leave the others to
// the reads; bulk deletes run after everything else (test/fuzz/run.ts). A new route whose `{id}` is one
// of these gets real ids by adding its pattern to BINDINGS; without that it is fuzzed with made-up ids.

const POOLS = [
  "flow_ids",
  "flow_names",
  "flow_run_ids",
  "task_run_ids",
  "flow_run_state_ids",
  "task_run_state_ids",
  "doomed_flow_ids",
  "doomed_flow_run_ids",
  "doomed_task_run_ids",
  "deployment_ids",
  "deployment_names",
  "deployment_flow_names",
  "doomed_deployment_ids",
  "deployment_schedule_ids",
  "work_pool_names",
  "doomed_work_pool_names",
  "work_queue_names",
  "doomed_work_queue_names",
  "work_queue_ids",
  "doomed_work_queue_ids",
  "worker_names",
  "variable_ids",
  "variable_names",
  "doomed_variable_ids",
  "doomed_variable_names",
  "artifact_ids",
  "artifact_keys",
  "doomed_artifact_ids",
  "saved_search_ids",
  "doomed_saved_search_ids",
  "block_type_ids",
  "block_type_slugs",
  "doomed_block_type_ids",
  "block_schema_ids",
  "block_schema_checksums",
  "doomed_block_schema_ids",
  "block_document_ids",
  "block_document_names",
  "doomed_block_document_ids",
  "automation_ids",
  "doomed_automation_ids",
  "automation_owner_ids",
] as const;
type Pools = Record<(typeof POOLS)[number], string[]>;

async function call(api: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${api}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`seeding: ${method} ${path} answered ${r.status}: ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

/** A flow with a run in each of `states` (null: just created), each run with a task run and a log. */
async function flowWithRuns(api: string, name: string, states: (string | null)[], pools: Pools, doomed: boolean) {
  const flow = await call(api, "POST", "/flows/", { name, tags: ["fuzz"], labels: { team: "fuzz" } });
  pools[doomed ? "doomed_flow_ids" : "flow_ids"].push(flow.id);
  if (!doomed) pools.flow_names.push(name);
  for (const [i, type] of states.entries()) {
    const run = await call(api, "POST", "/flow_runs/", {
      flow_id: flow.id,
      name: `${name}-run-${i}`,
      parameters: { i },
      tags: ["fuzz"],
    });
    pools[doomed ? "doomed_flow_run_ids" : "flow_run_ids"].push(run.id);
    // Task runs move only while their flow run is running, so the flow run ends last.
    if (type) await call(api, "POST", `/flow_runs/${run.id}/set_state`, { state: { type: "RUNNING" } });
    const task = await call(api, "POST", "/task_runs/", {
      flow_run_id: run.id,
      task_key: `task-${i}`,
      dynamic_key: "0",
      tags: ["fuzz"],
    });
    pools[doomed ? "doomed_task_run_ids" : "task_run_ids"].push(task.id);
    if (type) await call(api, "POST", `/task_runs/${task.id}/set_state`, { state: { type: "RUNNING" } });
    if (type && type !== "RUNNING") {
      await call(api, "POST", `/task_runs/${task.id}/set_state`, { state: { type } });
      await call(api, "POST", `/flow_runs/${run.id}/set_state`, { state: { type } });
    }
    const at = new Date().toISOString();
    await call(api, "POST", "/logs/", [
      { name: "fuzz", level: 20, message: `run ${i}`, timestamp: at, flow_run_id: run.id, task_run_id: task.id },
    ]);
    if (doomed) continue;
    for (const s of await call(api, "GET", `/flow_run_states/?flow_run_id=${run.id}`))
      pools.flow_run_state_ids.push(s.id);
    for (const s of await call(api, "GET", `/task_run_states/?task_run_id=${task.id}`))
      pools.task_run_state_ids.push(s.id);
  }
}

/** Deployments of a seeded flow, each with a schedule, a run made from it, and two for DELETE to take. */
async function deployments(api: string, pools: Pools) {
  const flow = await call(api, "POST", "/flows/", { name: "fuzz-deployed" });
  const schema = { type: "object", properties: { n: { type: "integer", title: "n", position: 0 } } };
  for (const [i, schedule] of [{ interval: 3600 }, { cron: "0 9 * * *", timezone: "Europe/Paris" }].entries()) {
    const name = `fuzz-deployment-${i}`;
    const d = await call(api, "POST", "/deployments/", {
      flow_id: flow.id,
      name,
      tags: ["fuzz"],
      parameters: { n: i },
      parameter_openapi_schema: schema,
      schedules: [{ schedule, slug: `s${i}` }],
    });
    pools.deployment_ids.push(d.id);
    pools.deployment_names.push(name);
    pools.deployment_schedule_ids.push(d.schedules[0].id);
    await call(api, "POST", `/deployments/${d.id}/create_flow_run`, { parameters: { n: 5 } });
  }
  pools.deployment_flow_names.push("fuzz-deployed");
  for (const name of ["fuzz-doomed-deployment-a", "fuzz-doomed-deployment-b"])
    pools.doomed_deployment_ids.push((await call(api, "POST", "/deployments/", { flow_id: flow.id, name })).id);
}

/**
 * Two work pools with the same queue and worker names in each (a queue route draws its pool and its queue
 * separately), a deployment in each, and a pool and queues for DELETE to take.
 */
async function workPools(api: string, pools: Pools) {
  const flow = await call(api, "POST", "/flows/", { name: "fuzz-pooled" });
  for (const [i, name] of ["fuzz-pool-a", "fuzz-pool-b"].entries()) {
    const pool = await call(api, "POST", "/work_pools/", { name, type: "process", concurrency_limit: 5 + i });
    pools.work_pool_names.push(name);
    pools.work_queue_ids.push(pool.default_queue_id);
    const q = await call(api, "POST", `/work_pools/${name}/queues`, { name: "fuzz-queue", concurrency_limit: 2 });
    pools.work_queue_ids.push(q.id);
    for (const doomed of ["fuzz-doomed-queue-a", "fuzz-doomed-queue-b"]) {
      const dq = await call(api, "POST", `/work_pools/${name}/queues`, { name: doomed });
      pools.doomed_work_queue_ids.push(dq.id);
    }
    await call(api, "POST", `/work_pools/${name}/workers/heartbeat`, {
      name: "fuzz-worker",
      heartbeat_interval_seconds: 30,
    });
    const d = await call(api, "POST", "/deployments/", {
      flow_id: flow.id,
      name: `fuzz-pooled-${i}`,
      work_pool_name: name,
      work_queue_name: "fuzz-queue",
    });
    await call(api, "POST", `/deployments/${d.id}/create_flow_run`, {});
  }
  pools.work_queue_names.push("default", "fuzz-queue");
  pools.doomed_work_queue_names.push("fuzz-doomed-queue-a", "fuzz-doomed-queue-b");
  pools.worker_names.push("fuzz-worker");
  await call(api, "POST", "/work_pools/", { name: "fuzz-doomed-pool", type: "process" });
  pools.doomed_work_pool_names.push("fuzz-doomed-pool");
}

/**
 * Variables of several JSON kinds, artifacts of each kind (two versions of one key, linked to a seeded
 * run) and saved searches, each with some for DELETE to take.
 */
async function storedThings(api: string, pools: Pools) {
  for (const [i, value] of ["text", 42, [1, { a: true }], { nested: { x: null } }].entries()) {
    const v = await call(api, "POST", "/variables/", { name: `fuzz_var_${i}`, value, tags: ["fuzz"] });
    pools.variable_ids.push(v.id);
    pools.variable_names.push(v.name);
  }
  // DELETE by id and DELETE by name each take their own.
  for (const name of ["fuzz_doomed_var_a", "fuzz_doomed_var_b"])
    pools.doomed_variable_ids.push((await call(api, "POST", "/variables/", { name, value: 1 })).id);
  for (const name of ["fuzz_doomed_var_c", "fuzz_doomed_var_d"]) {
    await call(api, "POST", "/variables/", { name, value: 1 });
    pools.doomed_variable_names.push(name);
  }
  const run = pools.flow_run_ids[0];
  const task = pools.task_run_ids[0];
  for (const body of [
    { key: "fuzz-report", type: "markdown", data: "# one", flow_run_id: run },
    { key: "fuzz-report", type: "markdown", data: "# two <script>x</script>", flow_run_id: run, task_run_id: task },
    { key: "fuzz-table", type: "table", data: JSON.stringify([{ a: 1 }]), metadata_: { k: "v" } },
    { key: "fuzz-progress", type: "progress", data: 50 },
    { type: "result", data: { any: "thing" } },
  ]) {
    const a = await call(api, "POST", "/artifacts/", body);
    pools.artifact_ids.push(a.id);
  }
  pools.artifact_keys.push("fuzz-report", "fuzz-table", "fuzz-progress");
  for (const key of ["fuzz-doomed-a", "fuzz-doomed-b"])
    pools.doomed_artifact_ids.push((await call(api, "POST", "/artifacts/", { key, type: "markdown", data: "x" })).id);
  const filter = { object: "flow_run", property: "state", type: "state", operation: "or", value: ["Failed"] };
  pools.saved_search_ids.push(
    (await call(api, "PUT", "/saved_searches/", { name: "fuzz-search", filters: [filter] })).id,
  );
  for (const name of ["fuzz-doomed-search-a", "fuzz-doomed-search-b"])
    pools.doomed_saved_search_ids.push((await call(api, "PUT", "/saved_searches/", { name })).id);
}

/**
 * Automations (the fuzz server runs without the triggers service, test/fuzz/run.ts, so they never
 * fire): one notifying through a seeded block and owned by a deployment, one with a compound trigger,
 * and two for DELETE to take.
 */
async function automations(api: string, pools: Pools) {
  const owner = `prefect.deployment.${pools.deployment_ids[0]}`;
  const trigger = {
    type: "event",
    posture: "Reactive",
    expect: ["prefect.flow-run.Failed"],
    match: { "prefect.resource.id": "prefect.flow-run.*" },
    threshold: 1,
    within: 0,
  };
  const made = [
    {
      name: "fuzz-automation",
      trigger,
      actions: [{ type: "cancel-flow-run" }],
      owner_resource: owner,
    },
    {
      name: "fuzz-compound",
      trigger: { type: "compound", require: "any", within: 60, triggers: [trigger, { ...trigger, expect: ["x.y"] }] },
      actions: [{ type: "do-nothing" }],
    },
  ];
  for (const body of made) pools.automation_ids.push((await call(api, "POST", "/automations/", body)).id);
  for (const name of ["fuzz-doomed-automation-a", "fuzz-doomed-automation-b"])
    pools.doomed_automation_ids.push(
      (await call(api, "POST", "/automations/", { name, trigger, actions: [{ type: "do-nothing" }] })).id,
    );
  pools.automation_owner_ids.push(owner);
}

/**
 * Two block types with a schema marking a secret and documents (one nesting the other), the built-in
 * Secret type's schema, and a type, schema and documents for DELETE to take.
 */
async function blocks(api: string, pools: Pools) {
  const fields = (title: string) => ({
    title,
    type: "object",
    properties: { token: { type: "string", format: "password" }, n: { type: "integer" } },
    secret_fields: ["token"],
    block_schema_references: {},
  });
  for (const slug of ["fuzz-block-a", "fuzz-block-b", "fuzz-doomed-block"]) {
    const doomed = slug.includes("doomed");
    const type = await call(api, "POST", "/block_types/", { name: slug, slug, description: "fuzz" });
    pools[doomed ? "doomed_block_type_ids" : "block_type_ids"].push(type.id);
    if (!doomed) pools.block_type_slugs.push(slug);
    const schema = await call(api, "POST", "/block_schemas/", { block_type_id: type.id, fields: fields(slug) });
    pools.block_schema_checksums.push(schema.checksum);
    if (!doomed) pools.block_schema_ids.push(schema.id);
    const doc = (name: string, data: Record<string, unknown>) =>
      call(api, "POST", "/block_documents/", { name, data, block_type_id: type.id, block_schema_id: schema.id });
    const leaf = await doc("fuzz-leaf", { token: "fuzz-secret", n: 1 });
    const parent = await doc("fuzz-parent", { n: 2, child: { $ref: { block_document_id: leaf.id } } });
    const gone = await doc("fuzz-doomed-doc", { n: 3 });
    pools.block_document_ids.push(leaf.id, parent.id);
    pools.doomed_block_document_ids.push(gone.id);
  }
  pools.block_document_names.push("fuzz-leaf", "fuzz-parent");
  // A schema of its own for DELETE, in a type nothing else uses.
  const extra = await call(api, "POST", "/block_schemas/", {
    block_type_id: pools.block_type_ids[0],
    fields: fields("fuzz-extra"),
    version: "doomed",
  });
  pools.doomed_block_schema_ids.push(extra.id);
}

/** Two flows with runs in several states, two more for DELETE to take, logs and an event. */
export async function seed(api: string): Promise<Pools> {
  const pools = Object.fromEntries(POOLS.map((p) => [p, []])) as unknown as Pools;
  for (const name of ["fuzz-seed-a", "fuzz-seed-b"])
    await flowWithRuns(api, name, ["RUNNING", "COMPLETED", "FAILED", null], pools, false);
  for (const name of ["fuzz-doomed-a", "fuzz-doomed-b"]) await flowWithRuns(api, name, ["RUNNING", null], pools, true);
  await deployments(api, pools);
  await workPools(api, pools);
  await storedThings(api, pools);
  await blocks(api, pools);
  await automations(api, pools);
  const resource = { "prefect.resource.id": `prefect.flow-run.${pools.flow_run_ids[0]}` };
  await call(api, "POST", "/events", [
    {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: "fuzz.seeded",
      resource,
      related: [],
      payload: {},
    },
  ]);
  return pools;
}

// Which parameter draws from which pool, per operation (schemathesis's include-name-regex, matched
// against "METHOD /path"). The patterns do not overlap, so each operation has one binding per parameter.
const BINDINGS: [nameRegex: string, ...bindings: Array<[parameter: string, pool: keyof Pools]>][] = [
  ["^(GET|PATCH) /flows/\\{id\\}$", ["path.id", "flow_ids"]],
  ["^DELETE /flows/\\{id\\}$", ["path.id", "doomed_flow_ids"]],
  ["^GET /flows/name/\\{name\\}$", ["path.name", "flow_names"]],
  ["^(GET|PATCH|POST|PUT) /flow_runs/\\{id\\}", ["path.id", "flow_run_ids"]],
  ["^DELETE /flow_runs/\\{id\\}$", ["path.id", "doomed_flow_run_ids"]],
  ["^(GET|PATCH|POST|PUT) /task_runs/\\{id\\}", ["path.id", "task_run_ids"]],
  ["^DELETE /task_runs/\\{id\\}$", ["path.id", "doomed_task_run_ids"]],
  ["^GET /flow_run_states/\\{id\\}$", ["path.id", "flow_run_state_ids"]],
  ["^GET /task_run_states/\\{id\\}$", ["path.id", "task_run_state_ids"]],
  ["^GET /flow_run_states/$", ["query.flow_run_id", "flow_run_ids"]],
  ["^GET /task_run_states/$", ["query.task_run_id", "task_run_ids"]],
  ["^POST /flow_runs/$", ["body.flow_id", "flow_ids"]],
  ["^POST /task_runs/$", ["body.flow_run_id", "flow_run_ids"]],
  ["^POST /deployments/$", ["body.flow_id", "flow_ids"]],
  ["^(GET|PATCH) /deployments/\\{id\\}$", ["path.id", "deployment_ids"]],
  ["^DELETE /deployments/\\{id\\}$", ["path.id", "doomed_deployment_ids"]],
  ["^(GET|POST) /deployments/\\{id\\}/", ["path.id", "deployment_ids"]],
  [
    "^(PATCH|DELETE) /deployments/\\{id\\}/schedules/\\{schedule_id\\}$",
    ["path.id", "deployment_ids"],
    ["path.schedule_id", "deployment_schedule_ids"],
  ],
  [
    "^GET /deployments/name/\\{flow_name\\}/\\{deployment_name\\}$",
    ["path.flow_name", "deployment_flow_names"],
    ["path.deployment_name", "deployment_names"],
  ],
  ["^(GET|PATCH) /work_pools/\\{name\\}$", ["path.name", "work_pool_names"]],
  ["^DELETE /work_pools/\\{name\\}$", ["path.name", "doomed_work_pool_names"]],
  ["^POST /work_pools/\\{name\\}/", ["path.name", "work_pool_names"]],
  ["^POST /work_pools/\\{work_pool_name\\}/(queues|workers)", ["path.work_pool_name", "work_pool_names"]],
  [
    "^(GET|PATCH) /work_pools/\\{work_pool_name\\}/queues/\\{name\\}$",
    ["path.work_pool_name", "work_pool_names"],
    ["path.name", "work_queue_names"],
  ],
  [
    "^DELETE /work_pools/\\{work_pool_name\\}/queues/\\{name\\}$",
    ["path.work_pool_name", "work_pool_names"],
    ["path.name", "doomed_work_queue_names"],
  ],
  [
    "^DELETE /work_pools/\\{work_pool_name\\}/workers/\\{name\\}$",
    ["path.work_pool_name", "work_pool_names"],
    ["path.name", "worker_names"],
  ],
  ["^(GET|PATCH|POST) /work_queues/\\{id\\}", ["path.id", "work_queue_ids"]],
  ["^DELETE /work_queues/\\{id\\}$", ["path.id", "doomed_work_queue_ids"]],
  ["^GET /work_queues/name/\\{name\\}$", ["path.name", "work_queue_names"]],
  ["^(GET|PATCH) /variables/\\{id\\}$", ["path.id", "variable_ids"]],
  ["^DELETE /variables/\\{id\\}$", ["path.id", "doomed_variable_ids"]],
  ["^(GET|PATCH) /variables/name/\\{name\\}$", ["path.name", "variable_names"]],
  ["^DELETE /variables/name/\\{name\\}$", ["path.name", "doomed_variable_names"]],
  ["^(GET|PATCH) /artifacts/\\{id\\}$", ["path.id", "artifact_ids"]],
  ["^DELETE /artifacts/\\{id\\}$", ["path.id", "doomed_artifact_ids"]],
  ["^GET /artifacts/\\{key\\}/latest$", ["path.key", "artifact_keys"]],
  ["^POST /artifacts/$", ["body.flow_run_id", "flow_run_ids"]],
  ["^GET /saved_searches/\\{id\\}$", ["path.id", "saved_search_ids"]],
  ["^DELETE /saved_searches/\\{id\\}$", ["path.id", "doomed_saved_search_ids"]],
  ["^(GET|PATCH) /block_types/\\{id\\}$", ["path.id", "block_type_ids"]],
  ["^DELETE /block_types/\\{id\\}$", ["path.id", "doomed_block_type_ids"]],
  ["^GET /block_types/slug/\\{slug\\}(/block_documents)?$", ["path.slug", "block_type_slugs"]],
  [
    "^GET /block_types/slug/\\{slug\\}/block_documents/name/\\{block_document_name\\}$",
    ["path.slug", "block_type_slugs"],
    ["path.block_document_name", "block_document_names"],
  ],
  ["^POST /block_schemas/$", ["body.block_type_id", "block_type_ids"]],
  ["^GET /block_schemas/\\{id\\}$", ["path.id", "block_schema_ids"]],
  ["^DELETE /block_schemas/\\{id\\}$", ["path.id", "doomed_block_schema_ids"]],
  ["^GET /block_schemas/checksum/\\{checksum\\}$", ["path.checksum", "block_schema_checksums"]],
  ["^POST /block_documents/$", ["body.block_type_id", "block_type_ids"], ["body.block_schema_id", "block_schema_ids"]],
  ["^(GET|PATCH) /block_documents/\\{id\\}$", ["path.id", "block_document_ids"]],
  ["^DELETE /block_documents/\\{id\\}$", ["path.id", "doomed_block_document_ids"]],
  ["^(GET|PATCH|PUT) /automations/\\{id\\}$", ["path.id", "automation_ids"]],
  ["^DELETE /automations/\\{id\\}$", ["path.id", "doomed_automation_ids"]],
  ["^GET /automations/related-to/\\{resource_id\\}$", ["path.resource_id", "automation_owner_ids"]],
];

/** schemathesis.toml: the pools as dictionaries, drawn 70% of the time (made-up ids still get tried). */
export function schemathesisConfig(pools: Pools): string {
  const str = (s: string) => JSON.stringify(s); // a JSON string of these characters is a TOML string
  const lines: string[] = [];
  for (const [name, values] of Object.entries(pools))
    lines.push(`[dictionaries.${name}]`, `values = [${values.map(str).join(", ")}]`, "");
  for (const [regex, ...bindings] of BINDINGS) {
    const parameters = bindings.map(([p, pool]) => `${str(p)} = { dictionary = ${str(pool)}, probability = 0.7 }`);
    lines.push("[[operations]]", `include-name-regex = ${str(regex)}`, `parameters = { ${parameters.join(", ")} }`, "");
  }
  return lines.join("\n");
}
