// The whole test suite in one command (`npm test`): build the binary, prepare the Python venv with the
// pinned prefect SDK, start a throwaway PostgreSQL, run the bun suites, the pytest compat suite and the
// schemathesis fuzzer (test/fuzz/), and close with one `N passed, N failed` line counted from their JUnit
// reports.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startPgCluster } from "./support/pg-cluster.ts";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, "test-output");
const CI = !!process.env.CI;
mkdirSync(OUT, { recursive: true });

const problems: string[] = [];

function step(title: string) {
  console.log(`\n=== ${title}`);
}

function sh(cmd: string[], env: Record<string, string | undefined> = {}): number {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "inherit", stderr: "inherit" });
  return r.exitCode ?? 1;
}

interface Counts {
  tests: number;
  failures: number;
  skipped: number;
}

/** Counts <testcase> elements and their outcomes: the same for bun's and pytest's JUnit flavours. */
function junitCounts(path: string): Counts | null {
  if (!existsSync(path)) return null;
  const cases = readFileSync(path, "utf8").split("<testcase").slice(1);
  const c = { tests: cases.length, failures: 0, skipped: 0 };
  for (const body of cases) {
    // A case ends at its self-closing tag or at </testcase>; outcome elements live inside it.
    const own = body.startsWith(" ") && /^[^>]*\/>/.test(body) ? "" : body.split("</testcase>")[0];
    if (/<(failure|error)\b/.test(own)) c.failures++;
    else if (/<skipped\b/.test(own)) c.skipped++;
  }
  return c;
}

step("build the binary");
if (sh([process.execPath, "build/build.ts"]) !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const bin = join(ROOT, "dist", "prefect-lite");

step("python venv with the pinned prefect SDK");
const venvOk = sh(["bash", "test/compat/setup-venv.sh"]) === 0;
if (!venvOk) problems.push("the Python venv could not be set up: SDK compatibility tests did not run");

step("PostgreSQL");
let pgUrl = process.env.TEST_PG_URL;
const cluster = pgUrl ? null : await startPgCluster();
if (cluster) pgUrl = cluster.url;
if (pgUrl) console.log(`PostgreSQL at ${pgUrl}`);
else {
  const msg = "PostgreSQL is not installed (apt-get install postgresql): PostgreSQL cases are SKIPPED";
  console.warn(`!!! ${msg}`);
  if (CI) problems.push(msg);
}

const env = { TEST_PG_URL: pgUrl, PREFECT_LITE_BIN: bin };
let results: Counts = { tests: 0, failures: 0, skipped: 0 };
const add = (c: Counts | null, what: string) => {
  if (!c) return problems.push(`${what} wrote no report`);
  results = {
    tests: results.tests + c.tests,
    failures: results.failures + c.failures,
    skipped: results.skipped + c.skipped,
  };
};

try {
  step("tsc --noEmit: the whole tree type-checks");
  const tsc = sh([join(ROOT, "node_modules", ".bin", "tsc"), "--noEmit", "-p", "."]) === 0;
  add({ tests: 1, failures: tsc ? 0 : 1, skipped: 0 }, "tsc");

  step("biome ci: formatted and lint-clean, warnings included (npm run format fixes most)");
  const biome = sh([join(ROOT, "node_modules", ".bin", "biome"), "ci", "--error-on-warnings", "."]) === 0;
  add({ tests: 1, failures: biome ? 0 : 1, skipped: 0 }, "biome");

  step("xss-scan: every interpolation in views/ is escaped");
  const xss = sh([join(ROOT, "node_modules", ".bin", "xss-scan")]) === 0;
  add({ tests: 1, failures: xss ? 0 : 1, skipped: 0 }, "xss-scan");

  step("bun test");
  const bunXml = join(OUT, "bun.xml");
  const bunCode = sh(
    [
      process.execPath,
      "test",
      "--timeout=60000",
      "--reporter=junit",
      `--reporter-outfile=${bunXml}`,
      "test/unit",
      "test/db",
      "test/store",
      "test/services",
      "test/api",
      "test/cli",
      "test/browser",
    ],
    env,
  );
  const bunCounts = junitCounts(bunXml);
  add(bunCounts, "bun test");
  if (bunCode !== 0 && bunCounts && bunCounts.failures === 0) problems.push(`bun test exited ${bunCode}`);

  if (venvOk) {
    step("pytest: the real prefect SDK against the binary");
    const pyXml = join(OUT, "pytest.xml");
    const pyCode = sh(
      [join(ROOT, ".venv", "bin", "python"), "-m", "pytest", "test/compat", "-q", `--junitxml=${pyXml}`],
      env,
    );
    if (pyCode === 5) console.log("pytest collected no tests");
    else {
      add(junitCounts(pyXml), "pytest");
      if (pyCode !== 0 && pyCode !== 1) problems.push(`pytest exited ${pyCode}`);
    }

    step("fuzz: schemathesis against the binary with Prefect's OpenAPI schema (test/fuzz/run.ts)");
    const fuzzXml = join(OUT, "fuzz.xml");
    const fuzzCode = sh([process.execPath, "test/fuzz/run.ts", fuzzXml], env);
    const fuzzCounts = junitCounts(fuzzXml);
    add(fuzzCounts, "fuzz");
    if (fuzzCode !== 0 && fuzzCounts && fuzzCounts.failures === 0) problems.push(`fuzz exited ${fuzzCode}`);
  }
} finally {
  cluster?.stop();
}

for (const p of problems) console.log(`!!! ${p}`);
const failed = results.failures + problems.length;
const passed = results.tests - results.failures - results.skipped;
const summary = `${passed} passed, ${failed} failed${results.skipped ? `, ${results.skipped} skipped` : ""}`;
writeFileSync(join(OUT, "summary.txt"), `${summary}\n`);
console.log(`\n${summary}`);
process.exit(failed ? 1 : 0);
