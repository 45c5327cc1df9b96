// Fuzzes the built binary with schemathesis against Prefect's published OpenAPI schema, on SQLite and
// on PostgreSQL at once, and writes one JUnit report: a case per operation and database (schemathesis's
// own JUnit cases, renamed "[sqlite] POST /flows/"), plus a case per database for the server staying up.
// Each server first gets a few real flows and runs (test/fuzz/seed.ts) whose ids the fuzzer draws from.
//
//   bun test/fuzz/run.ts OUT.xml
//
// test/run.ts runs it with PREFECT_LITE_BIN and TEST_PG_URL. Without TEST_PG_URL the PostgreSQL cases
// are skipped, loudly, or failed under CI=true. FUZZ_MAX_EXAMPLES, FUZZ_SEED and FUZZ_SCHEMATHESIS (the
// executable; default .venv/bin/schemathesis from test/compat/requirements.txt) and FUZZ_INCLUDE (a
// regex of the operations to fuzz) adjust a run by hand.
//
// Checks (schemathesis's names):
// - not_a_server_error: no 5xx, ever.
// - status_code_conformance and response_schema_conformance, against the schema as corrected in
//   test/fuzz/schema.ts for what Prefect's server really answers.
// - content_type_conformance, use_after_free (a deleted run stays deleted) and
//   ensure_resource_availability (a created one can be read back).
// Left out:
// - positive_data_acceptance / negative_data_rejection: they judge request validation by the schema,
//   and Prefect's own server departs from it both ways: it rejects a history interval under a second or
//   a CSRF token while CSRF is off, and accepts a JSON null body on the filter routes. Request
//   validation is tested against Prefect's real answers in test/compat/test_bad_input.py instead.
// - unsupported_method: it wants 405 for a method a path lacks (Prefect's Starlette answers so); Elysia
//   answers 404. A compatibility difference for the API's owners to decide, not a robustness fault.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startServer } from "../support/binary.ts";
import { routedOperations } from "./operations.ts";
import { fuzzSchema } from "./schema.ts";
import { schemathesisConfig, seed } from "./seed.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const OUT_XML = resolve(process.argv[2] ?? join(ROOT, "test-output", "fuzz.xml"));
const OUT = join(dirname(OUT_XML), "fuzz");
const SCHEMA = join(ROOT, "..", "shared", "reference", "prefect-openapi.json");
const SCHEMATHESIS = process.env.FUZZ_SCHEMATHESIS ?? join(ROOT, ".venv", "bin", "schemathesis");
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? "25";
const SEED = process.env.FUZZ_SEED ?? "20261201";
// By hand: fuzz only the operations this regex names ("METHOD /path"), e.g. FUZZ_INCLUDE=work_pools.
const INCLUDE = process.env.FUZZ_INCLUDE;
// Far above a normal run (about 2 minutes on 2 cores), so only a hung run or a stuck server reaches it.
const TIMEOUT_MS = 8 * 60_000;
const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "response_schema_conformance",
  "content_type_conformance",
  "use_after_free",
  "ensure_resource_availability",
];
const PG_URL = process.env.TEST_PG_URL;
const CI = !!process.env.CI;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

interface Case {
  name: string;
  failure?: string;
  skipped?: string;
  time?: number;
}

const esc = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/g, "?")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

function writeJunit(cases: Case[]) {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases
    .map((c) => {
      const open = `    <testcase classname="fuzz" name="${esc(c.name)}" time="${(c.time ?? 0).toFixed(3)}"`;
      if (c.failure !== undefined)
        return `${open}>\n      <failure message="fuzz">${esc(c.failure)}</failure>\n    </testcase>`;
      if (c.skipped !== undefined) return `${open}>\n      <skipped message="${esc(c.skipped)}"/>\n    </testcase>`;
      return `${open}/>`;
    })
    .join("\n");
  writeFileSync(
    OUT_XML,
    `<?xml version="1.0" encoding="utf-8"?>\n<testsuites tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n  <testsuite name="fuzz" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n${body}\n  </testsuite>\n</testsuites>\n`,
  );
  return { failures, skipped };
}

const unesc = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** schemathesis's JUnit cases: one per operation (plus "Stateful tests"), failed where a check failed. */
function readSchemathesisJunit(path: string, db: string): Case[] {
  const xml = readFileSync(path, "utf8");
  return xml
    .split("<testcase ")
    .slice(1)
    .map((chunk) => {
      const head = chunk.slice(0, chunk.indexOf(">"));
      const name = unesc(/name="([^"]*)"/.exec(head)?.[1] ?? "?");
      const time = Number(/time="([^"]*)"/.exec(head)?.[1] ?? 0);
      const own = head.endsWith("/") ? "" : chunk.split("</testcase>")[0];
      const failures = [...own.matchAll(/<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => unesc(m[2]));
      const skipped = /<skipped\b/.test(own);
      return {
        name: `[${db}] ${name}`,
        time,
        ...(failures.length || /<(failure|error)\b/.test(own) ? { failure: failures.join("\n\n") || "failed" } : {}),
        ...(skipped && !failures.length ? { skipped: "skipped by schemathesis" } : {}),
      };
    });
}

/** A fresh, empty database for one server: a temp SQLite file, or a new schema on the test cluster. */
function databaseUrl(db: "sqlite" | "postgres", home: string): string {
  if (db === "sqlite") return `sqlite+aiosqlite:///${join(home, "prefect.db")}`;
  const schema = `fuzz_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const r = Bun.spawnSync(["psql", PG_URL!, "-qc", `CREATE SCHEMA ${schema}`], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`CREATE SCHEMA failed: ${r.stderr}`);
  const sep = PG_URL!.includes("?") ? "&" : "?";
  return `${PG_URL!.replace("postgresql://", "postgresql+asyncpg://")}${sep}search_path=${schema}%2Cpublic`;
}

// The coverage phase also sends each path the methods the schema does not list for it. The app answers
// Prefect's routes it has not implemented with a deliberate 501 that names them (so the SDK can say so),
// and those methods are mostly such routes (PUT /admin/storage, PATCH /v2/concurrency_limits/{id_or_name}
// catching .../increment-with-lease): fuzzing them would gate on work not done, not on faults.
const BASE_CONFIG = "[phases.coverage]\nunexpected-methods = []\n";

// Bulk deletes with an empty filter empty the database, so they run in a pass of their own after the
// rest has used the seeded objects. A pass's filter is schemathesis's, on "METHOD /path".
const BULK_DELETE = "/bulk_delete$";
const PASSES = [
  {
    name: "main",
    args: ["--exclude-name-regex", BULK_DELETE, ...(INCLUDE ? ["--include-name-regex", INCLUDE] : [])],
  },
  { name: "bulk-delete", args: ["--include-name-regex", BULK_DELETE, "--phases", "examples,coverage,fuzzing"] },
];

/** One schemathesis run against the server; its output and JUnit cases, or a failing case if it broke. */
async function schemathesis(
  db: string,
  pass: (typeof PASSES)[number],
  schemaPath: string,
  api: string,
  config: string,
) {
  const junit = join(OUT, `${db}-${pass.name}.xml`);
  const st = Bun.spawn(
    [
      SCHEMATHESIS,
      "--config-file",
      config,
      "run",
      schemaPath,
      "--url",
      api,
      ...pass.args,
      "--workers",
      "1",
      "--seed",
      SEED,
      "--max-examples",
      MAX_EXAMPLES,
      "--continue-on-failure",
      "--checks",
      CHECKS.join(","),
      "--suppress-health-check",
      "all",
      "--request-timeout",
      "20",
      "--generation-database",
      "none",
      "--no-color",
      // Nothing here is secret, and sanitising blanks every field named *key* (cache_key, pause_key…) in the repros.
      "--output-sanitize",
      "false",
      "--report",
      "junit",
      "--report-junit-path",
      junit,
    ],
    { cwd: OUT, stdout: "pipe", stderr: "pipe" },
  );
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    st.kill("SIGKILL");
  }, TIMEOUT_MS);
  const [out, err] = await Promise.all([new Response(st.stdout).text(), new Response(st.stderr).text()]);
  const code = await st.exited;
  clearTimeout(timer);
  const output = out + err;
  const cases = existsSync(junit) ? readSchemathesisJunit(junit, db) : [];
  const failed = cases.some((c) => c.failure !== undefined);
  const what = `[${db}] schemathesis ${pass.name} pass`;
  if (timedOut) cases.push({ name: `${what} finished in time`, failure: `killed after ${TIMEOUT_MS / 1000} s` });
  else if (!cases.length || (code !== 0 && !failed))
    cases.push({
      name: `${what} ran`,
      failure: `exit ${code}, ${cases.length} cases reported:\n${output.slice(-4000)}`,
    });
  return { code, output, cases };
}

async function fuzz(db: "sqlite" | "postgres", schemaPath: string): Promise<Case[]> {
  const started = Date.now();
  const home = mkdtempSync(join(tmpdir(), `pl-fuzz-${db}-`));
  const { proc, base } = await startServer({
    PREFECT_HOME: home,
    PREFECT_API_DATABASE_CONNECTION_URL: databaseUrl(db, home),
    // The automations the fuzzer makes match every event, and their actions start and move the
    // seeded runs: each event fans out to ~300 firings whose actions make more events, and the
    // database grew by 3 GB in 3 minutes (Prefect's server would do what they ask just as well). The
    // routes are fuzzed all the same; triggers and actions are tested in test/services/automations.test.ts.
    PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED: "false",
  });
  // The server's log, drained as it runs (a full pipe would stall the server): where a 500's cause is.
  const serverLog = join(OUT, `${db}-server.log`);
  const logged = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([o, e]) =>
    writeFileSync(serverLog, o + e),
  );
  const cases: Case[] = [];
  const config = join(OUT, `${db}.toml`);
  const pools = await seed(`${base}/api`).catch(
    (e) => void cases.push({ name: `[${db}] seeding the server`, failure: String(e?.stack ?? e) }),
  );
  writeFileSync(config, `${BASE_CONFIG}\n${pools ? schemathesisConfig(pools) : ""}`);
  const outputs: string[] = [];
  for (const pass of PASSES) {
    const r = await schemathesis(db, pass, schemaPath, `${base}/api`, config);
    cases.push(...r.cases);
    outputs.push(r.output);
    console.log(`--- ${db}, ${pass.name} pass: schemathesis exited ${r.code}`);
    // What a reader of the test log needs: the failures and the summary, long lines cut.
    const shown = r.output.split("\n").map((l) => (l.length > 1500 ? `${l.slice(0, 1500)} …` : l));
    const at = (title: RegExp) => shown.findIndex((l) => title.test(l));
    const from =
      [at(/=+ (FAILURES|ERRORS) =+/), at(/=+ SUMMARY =+/)].find((i) => i >= 0) ?? Math.max(0, shown.length - 40);
    console.log(shown.slice(from).slice(0, 600).join("\n"));
  }
  const outPath = join(OUT, `${db}.txt`);
  writeFileSync(outPath, outputs.join("\n"));
  const serverUp = proc.exitCode === null;
  proc.kill("SIGTERM");
  await proc.exited;
  await logged;
  rmSync(home, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  console.log(`--- ${db}: ${seconds.toFixed(0)} s; output ${outPath}, server log ${serverLog}`);
  // schemathesis reports one 5xx per operation; the server's log tells the distinct causes apart.
  const causes = new Map<string, number>();
  for (const m of readFileSync(serverLog, "utf8").matchAll(/([A-Z]+ \/\S*) failed: (.{0,200})/g)) {
    const cause = `${m[1]}: ${m[2].replace(/"[^"]*"/g, '"…"')}`; // quoted values vary case to case
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  if (causes.size)
    console.log(
      `--- ${db}: errors in the server log\n${[...causes].map(([e, n]) => `${String(n).padStart(5)} × ${e}`).join("\n")}`,
    );
  cases.push({
    name: `[${db}] server kept running`,
    time: seconds,
    ...(serverUp ? {} : { failure: `server exited ${proc.exitCode}; see ${serverLog}` }),
  });
  return cases;
}

async function main(): Promise<Case[]> {
  if (!existsSync(SCHEMA)) return [{ name: "Prefect's OpenAPI schema is present", failure: `${SCHEMA} is missing` }];
  if (!existsSync(SCHEMATHESIS))
    return [
      {
        name: "schemathesis is installed",
        failure: `${SCHEMATHESIS} is missing (test/compat/setup-venv.sh installs it)`,
      },
    ];
  const { schema, included, excluded } = fuzzSchema(JSON.parse(readFileSync(SCHEMA, "utf8")), await routedOperations());
  const schemaPath = join(OUT, "schema.json");
  writeFileSync(schemaPath, JSON.stringify(schema));
  writeFileSync(join(OUT, "operations.json"), JSON.stringify({ included, excluded }, null, 1));
  console.log(
    `fuzzing ${included.length} operations we route (${excluded.length} of Prefect's schema are not routed), ${MAX_EXAMPLES} examples each, seed ${SEED}`,
  );
  // A database whose server does not start (or whose run breaks) fails its own case; the other goes on.
  const onDb = (db: "sqlite" | "postgres") =>
    fuzz(db, schemaPath).catch((e): Case[] => [{ name: `[${db}] fuzz`, failure: String(e?.stack ?? e) }]);
  const runs: Promise<Case[]>[] = [onDb("sqlite")];
  const cases: Case[] = [];
  if (PG_URL) runs.push(onDb("postgres"));
  else {
    const msg = "TEST_PG_URL is not set: fuzzing on PostgreSQL is NOT running";
    console.warn(`!!! ${msg}`);
    cases.push(
      CI
        ? { name: "[postgres] PostgreSQL available", failure: `${msg} (CI requires PostgreSQL)` }
        : { name: "[postgres] fuzz", skipped: msg },
    );
  }
  for (const r of await Promise.all(runs)) cases.push(...r);
  return cases;
}

const cases = await main().catch((e): Case[] => [{ name: "fuzz harness", failure: String(e?.stack ?? e) }]);
const { failures, skipped } = writeJunit(cases);
console.log(`fuzz: ${failures} of ${cases.length} cases failed${skipped ? `, ${skipped} skipped` : ""} (${OUT_XML})`);
process.exit(failures ? 1 : 0);
