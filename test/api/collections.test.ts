// GET /api/collections/views/{view} answers what Prefect's server answers offline, from the data embedded
// in the binary; the embedded data is what build/worker-metadata.py makes of the pinned SDK's own files.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KNOWN_VIEWS } from "../../src/api/collections.ts";
import { testApp } from "../support/app.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const SCRIPT = join(ROOT, "build", "worker-metadata.py");
const COMMITTED = join(ROOT, "src", "api", "collection-views.json");
const HAVE_VENV = existsSync(PYTHON);
if (!HAVE_VENV && !process.env.CI)
  console.warn(`collections.test.ts: no ${PYTHON}; skipping the check that collection-views.json is current`);

type Worker = { type?: string; default_base_job_configuration?: Record<string, unknown> };

describe("GET /api/collections/views/{view}", async () => {
  const t = await testApp();
  afterAll(() => t.close());

  test("aggregate-worker-metadata lists the process worker with its base job template", async () => {
    const res = await t.call("/api/collections/views/aggregate-worker-metadata");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as Record<string, Record<string, Worker>>;
    const process = body.prefect?.process;
    expect(process?.type).toBe("process");
    const template = process?.default_base_job_configuration as {
      job_configuration: Record<string, unknown>;
      variables: { type: string; properties: Record<string, unknown> };
    };
    expect(template.job_configuration.command).toBe("{{ command }}");
    expect(template.variables.type).toBe("object");
    expect(Object.keys(template.variables.properties)).toContain("working_dir");
    // The SDK walks collection -> worker -> type to list the known types; every entry must have one.
    const types = Object.values(body).flatMap((c) => Object.values(c).map((w) => w.type));
    expect(types).toContain("kubernetes");
    expect(types.every((x) => typeof x === "string")).toBe(true);
  });

  test("an unknown view answers Prefect's 404", async () => {
    for (const view of ["nope", "constructor", "__proto__", "Aggregate-worker-metadata"]) {
      const res = await t.call(`/api/collections/views/${view}`);
      expect({ view, status: res.status, body: await res.json() }).toEqual({
        view,
        status: 404,
        body: { detail: `View ${view} not found in registry` },
      });
    }
  });

  test("a known view the SDK ships no data for is a 404 that says so (Prefect's offline server: a 500)", async () => {
    const embedded = Object.keys(JSON.parse(readFileSync(COMMITTED, "utf8")));
    const missing = KNOWN_VIEWS.filter((v) => !embedded.includes(v));
    expect(missing).toEqual(["aggregate-block-metadata", "aggregate-flow-metadata", "demo-flows"]);
    for (const view of missing) {
      const res = await t.call(`/api/collections/views/${view}`);
      expect({ view, status: res.status, body: await res.json() }).toEqual({
        view,
        status: 404,
        body: { detail: `View ${view} has no data offline` },
      });
    }
  });

  test.if(HAVE_VENV || !!process.env.CI)(
    "src/api/collection-views.json and KNOWN_VIEWS are what the pinned SDK has (build/worker-metadata.py)",
    () => {
      if (!HAVE_VENV) throw new Error(`no ${PYTHON} (CI requires the venv)`);
      const dir = mkdtempSync(join(tmpdir(), "collection-views-"));
      try {
        const out = join(dir, "views.json");
        const run = Bun.spawnSync([PYTHON, SCRIPT, out], { cwd: ROOT, stderr: "pipe" });
        if (run.exitCode !== 0) throw new Error(`build/worker-metadata.py failed: ${run.stderr.toString()}`);
        expect(readFileSync(COMMITTED, "utf8")).toBe(readFileSync(out, "utf8"));
        const known = Bun.spawnSync(
          [PYTHON, "-c", "import json, prefect.server.api.collections as c; print(json.dumps(sorted(c.KNOWN_VIEWS)))"],
          { cwd: ROOT, stderr: "pipe" },
        );
        if (known.exitCode !== 0) throw new Error(known.stderr.toString());
        expect(JSON.parse(known.stdout.toString())).toEqual([...KNOWN_VIEWS]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
