// Builds the single executable: `bun run build` → dist/prefect-lite for this machine (linux-x64), or
// `bun run build -- --target linux-arm64|darwin-arm64|darwin-x64|windows-x64|all` to cross-compile.
// Migrations are inlined by a macro, htmx and the stylesheet are embedded as files; nothing is read
// from disk at run time, so the binary works alone in an empty directory.
import { parseArgs } from "node:util";

export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-arm64": "bun-darwin-arm64",
  "darwin-x64": "bun-darwin-x64",
  "windows-x64": "bun-windows-x64",
} as const;
type TargetName = keyof typeof TARGETS;

const { values } = parseArgs({ options: { target: { type: "string" }, outdir: { type: "string", default: "dist" } } });
const host = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}` as TargetName;
const wanted: TargetName[] =
  values.target === "all" ? (Object.keys(TARGETS) as TargetName[]) : [(values.target as TargetName) ?? host];

for (const name of wanted) {
  if (!(name in TARGETS)) {
    console.error(`Unknown target '${name}'. Targets: ${Object.keys(TARGETS).join(", ")}, all.`);
    process.exit(2);
  }
  const outfile = `${values.outdir}/prefect-lite${name === host && values.target === undefined ? "" : `-${name}`}${name.startsWith("windows") ? ".exe" : ""}`;
  const started = performance.now();
  const result = await Bun.build({
    // The checkpointer's worker thread is its own entry point, embedded beside the main one.
    entrypoints: ["src/main.ts", "src/db/checkpoint-worker.ts"],
    compile: { target: TARGETS[name], outfile },
    // Bytecode needs ESM (import.meta); identifiers stay unminified because Elysia reads handler source.
    bytecode: true,
    format: "esm",
    minify: { whitespace: true, syntax: true, identifiers: false },
    define: { "process.env.NODE_ENV": '"production"' },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    process.exit(1);
  }
  console.log(`built ${outfile} (${name}) in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}
