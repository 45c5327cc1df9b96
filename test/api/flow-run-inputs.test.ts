// /api/flow_runs/{id}/input and resuming a pause that waits for input, on every dialect: keys are
// Prefect's (lowercase, digits, dashes), one value per key, values read back as text, prefix filters
// oldest first; a resume's input must fit the stored schema (REJECT naming the field otherwise, the run
// still Paused) and is stored under the keyset's response key only when the run resumed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("flow run inputs on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let flowId: string;

  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.call(path, { method, json });
    const text = await r.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: r.status, body, type: r.headers.get("content-type") };
  };
  const newRun = async (state: Record<string, unknown> = { type: "RUNNING" }) =>
    (await call("POST", "/api/flow_runs/", { flow_id: flowId, state })).body.id as string;

  beforeAll(async () => {
    t = await testApp({}, await url());
    flowId = (await call("POST", "/api/flows/", { name: "inputs" })).body.id;
  });
  afterAll(() => t.close());

  test("create, read as text, refuse a second value for a key, filter by prefix, delete", async () => {
    const id = await newRun();
    const base = `/api/flow_runs/${id}/input`;
    expect((await call("POST", base, { key: "greeting-1", value: '"hi"', sender: "me" })).status).toBe(201);
    expect((await call("POST", base, { key: "greeting-2", value: '"there"' })).status).toBe(201);
    expect((await call("POST", base, { key: "other", value: "{}" })).status).toBe(201);
    const dup = await call("POST", base, { key: "greeting-1", value: '"again"' });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe("A flow run input with this key already exists.");
    const read = await t.call(`${base}/greeting-1`);
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toStartWith("text/plain");
    expect(await read.text()).toBe('"hi"');

    const filtered = await call("POST", `${base}/filter`, { prefix: "greeting", limit: 10 });
    expect(filtered.body.map((i: any) => i.key)).toEqual(["greeting-1", "greeting-2"]);
    expect(filtered.body[0]).toMatchObject({ flow_run_id: id, value: '"hi"', sender: "me" });
    const rest = await call("POST", `${base}/filter`, { prefix: "greeting", limit: 10, exclude_keys: ["greeting-1"] });
    expect(rest.body.map((i: any) => i.key)).toEqual(["greeting-2"]);
    // Prefect's default limit is 1; an empty prefix matches everything.
    expect((await call("POST", `${base}/filter`, { prefix: "" })).body.length).toBe(1);
    // `_` is not a wildcard here.
    expect((await call("POST", `${base}/filter`, { prefix: "greeting_", limit: 10 })).body).toEqual([]);

    expect((await call("DELETE", `${base}/greeting-1`)).status).toBe(204);
    const gone = await call("DELETE", `${base}/greeting-1`);
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toBe("Flow run input not found");
    expect((await call("GET", `${base}/greeting-1`)).status).toBe(404);
  });

  test("bad keys and bodies are 422s, a missing run is a 404, and nothing is stored", async () => {
    const id = await newRun();
    const base = `/api/flow_runs/${id}/input`;
    for (const key of ["Upper", "with space", "under_score", "slash/y"]) {
      expect((await call("POST", base, { key, value: "1" })).status).toBe(422);
    }
    expect((await call("POST", base, { key: "k" })).status).toBe(422);
    expect((await call("POST", base, { key: "k", value: 5 })).status).toBe(422);
    expect((await call("POST", `${base}/filter`, { prefix: "", limit: -1 })).status).toBe(422);
    expect((await call("POST", `${base}/filter`, { limit: 1 })).status).toBe(422);
    expect((await call("POST", `${base}/filter`, { prefix: "", limit: 10 })).body).toEqual([]);
    const missing = await call("POST", `/api/flow_runs/${crypto.randomUUID()}/input`, { key: "k", value: "1" });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe("Flow run not found");
    // Deleting the run takes its inputs.
    expect((await call("POST", base, { key: "k", value: "1" })).status).toBe(201);
    expect((await call("DELETE", `/api/flow_runs/${id}`)).status).toBe(204);
    expect((await call("POST", `${base}/filter`, { prefix: "", limit: 10 })).body).toEqual([]);
  });

  test("resume checks run_input against the pause's schema and stores it only when the run resumes", async () => {
    const keyset = { description: "k-description", response: "k-response", schema: "k-schema" };
    const id = await newRun();
    const paused = await call("POST", `/api/flow_runs/${id}/set_state`, {
      state: { type: "PAUSED", state_details: { pause_timeout: null, run_input_keyset: keyset } },
    });
    expect(paused.body.status).toBe("ACCEPT");
    const resume = (run_input: unknown) => call("POST", `/api/flow_runs/${id}/resume`, { run_input });

    // No schema stored yet: Prefect's REJECT.
    const noSchema = await resume({ name: "Ada" });
    expect(noSchema.body).toMatchObject({ status: "REJECT", details: { reason: "Run input schema not found." } });

    const schema = {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer" } },
      required: ["name", "age"],
    };
    await call("POST", `/api/flow_runs/${id}/input`, { key: "k-schema", value: JSON.stringify(schema) });
    const wrongType = await resume({ name: "Ada", age: "old" });
    expect(wrongType.body.status).toBe("REJECT");
    expect(wrongType.body.details.reason).toContain("'age'");
    const missing = await resume({ age: 3 });
    expect(missing.body.details.reason).toContain("'name'");
    expect((await call("GET", `/api/flow_runs/${id}`)).body.state.type).toBe("PAUSED");
    expect((await call("GET", `/api/flow_runs/${id}/input/k-response`)).status).toBe(404);

    const ok = await resume({ name: "Ada", age: 36 });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe("ACCEPT");
    expect(ok.body.state.type).toBe("RUNNING");
    const stored = await t.call(`/api/flow_runs/${id}/input/k-response`);
    expect(JSON.parse(await stored.text())).toEqual({ name: "Ada", age: 36 });
  });

  test("a schema that is not JSON, or is hostile, is a REJECT, never a 500", async () => {
    const keyset = { description: "d", response: "r", schema: "s" };
    for (const value of [
      "not json",
      "[1]",
      JSON.stringify({ type: "object", properties: { x: { pattern: "^(a+)+$" } } }),
    ]) {
      const id = await newRun();
      await call("POST", `/api/flow_runs/${id}/set_state`, {
        state: { type: "PAUSED", state_details: { run_input_keyset: keyset } },
      });
      await call("POST", `/api/flow_runs/${id}/input`, { key: "s", value });
      const r = await call("POST", `/api/flow_runs/${id}/resume`, { run_input: { x: "aaa" } });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe("REJECT");
      expect((await call("GET", `/api/flow_runs/${id}`)).body.state.type).toBe("PAUSED");
    }
  });

  test("resumes sent together: one starts the run, the others are ABORTs, the input stored once", async () => {
    for (const withInput of [false, true]) {
      const id = await newRun();
      const keyset = withInput ? { description: "d", response: "r", schema: "s" } : undefined;
      await call("POST", `/api/flow_runs/${id}/set_state`, {
        state: { type: "PAUSED", state_details: keyset ? { run_input_keyset: keyset } : {} },
      });
      if (withInput)
        await call("POST", `/api/flow_runs/${id}/input`, { key: "s", value: JSON.stringify({ type: "object" }) });
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call("POST", `/api/flow_runs/${id}/resume`, withInput ? { run_input: { i } } : {}),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(answers.filter((a) => a.body.status === "ACCEPT").length).toBe(1);
      expect(answers.filter((a) => a.body.status === "ABORT").length).toBe(5);
      const states = (await call("GET", `/api/flow_run_states/?flow_run_id=${id}`)).body;
      expect(states.filter((x: any) => x.type === "RUNNING").length).toBe(2); // before the pause, and after
    }
  });
});
