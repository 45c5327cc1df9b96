// The prefect-lite executable: the citty root and the only file that calls runMain.
import { defineCommand, runMain } from "citty";
import { PREFECT_LITE_VERSION } from "./core/version.ts";
import { cli, exitWithError } from "./cli/context.ts";
import config from "./cli/config.ts";
import profile from "./cli/profile.ts";
import server from "./cli/server.ts";

/**
 * `prefect -p NAME …` selects a profile for one command; citty has no global options, so take it off the
 * front here. `-r -1` would read as a flag to the argument parser, so it is glued into `--revision=-1`.
 */
export function preprocessArgv(argv: string[]): string[] {
  const out = [...argv];
  while (out[0] === "-p" || out[0] === "--profile" || out[0]?.startsWith("--profile=")) {
    const a = out.shift()!;
    cli.profile = a.startsWith("--profile=") ? a.slice(10) : out.shift();
  }
  for (let i = 0; i < out.length - 1; i++) {
    if ((out[i] === "-r" || out[i] === "--revision") && /^-\d+$/.test(out[i + 1]))
      out.splice(i, 2, `--revision=${out[i + 1]}`);
  }
  return out;
}

const main = defineCommand({
  meta: {
    name: "prefect-lite",
    version: PREFECT_LITE_VERSION,
    description: "A Prefect-compatible orchestration server in one executable",
  },
  subCommands: { server, config, profile },
});

// A failure outside a command's own await (a background task of a starting server) would otherwise get
// Bun's report: a code frame of the bundled source. It gets the same one line as a command's failure.
process.on("uncaughtException", exitWithError);
process.on("unhandledRejection", exitWithError);

runMain(main, { rawArgs: preprocessArgv(process.argv.slice(2)) });
