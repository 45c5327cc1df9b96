// `prefect-lite server database reset|upgrade|downgrade|status`, with Prefect's flags and messages.
import { defineCommand } from "citty";
import { consola } from "consola";
import {
  applyDown,
  applyUp,
  label,
  migrationStatus,
  planDowngrade,
  planUpgrade,
  resetDatabase,
} from "../db/migrator.ts";
import type { Revision } from "../db/revisions.ts";
import { confirm, databaseSpec, guarded, loadSettings, openConfiguredDatabase, print } from "./context.ts";
import type { DbHandle } from "../db/open.ts";

const yes = { type: "boolean" as const, alias: "y", description: "Do not ask for confirmation" };
const dryRun = { type: "boolean" as const, description: "Print the SQL that would run; change nothing" };

async function withDatabase(body: (db: DbHandle, display: string) => Promise<void>) {
  const settings = loadSettings();
  const display = databaseSpec(settings).display;
  const db = await openConfiguredDatabase(settings);
  try {
    await body(db, display);
  } finally {
    await db.close();
  }
}

function printSql(revisions: Revision[], direction: "up" | "down") {
  if (!revisions.length) print("-- nothing to run");
  for (const r of revisions)
    print(`-- ${direction === "up" ? "Upgrade to" : "Downgrade from"} ${label(r)}\n${r[direction].trim()}\n`);
}

const reset = defineCommand({
  meta: { name: "reset", description: "Drop and recreate every table (all data is lost)" },
  args: { yes },
  run: guarded(({ args }) =>
    withDatabase(async (db, display) => {
      await confirm(
        `Are you sure you want to reset the Prefect database located at "${display}"? This will drop and recreate all tables.`,
        !!args.yes,
        "Database reset aborted",
      );
      await resetDatabase(db, (step) => print(step === "down" ? "Downgrading database..." : "Upgrading database..."));
      consola.success(`Prefect database "${display}" reset!`);
    }),
  ),
});

const upgrade = defineCommand({
  meta: { name: "upgrade", description: "Apply migrations up to a revision (default: head)" },
  args: {
    yes,
    revision: { type: "string", alias: "r", default: "head", description: "head, +N, or a revision id" },
    "dry-run": dryRun,
  },
  run: guarded(({ args }) =>
    withDatabase(async (db, display) => {
      const plan = planUpgrade(await migrationStatus(db), args.revision);
      if (args["dry-run"]) return printSql(plan, "up");
      await confirm(
        `Are you sure you want to upgrade the Prefect database at ${display}?`,
        !!args.yes,
        "Database upgrade aborted!",
      );
      print("Running upgrade migrations ...");
      await applyUp(db, plan);
      for (const r of plan) print(`  applied ${label(r)}`);
      print("Migrations succeeded!");
      consola.success(`Prefect database at ${display} upgraded!`);
    }),
  ),
});

const downgrade = defineCommand({
  meta: {
    name: "downgrade",
    description: "Revert migrations: -r -1 (default) one step, -r -N, -r base, or -r ID (ID stays applied)",
  },
  args: {
    yes,
    revision: { type: "string", alias: "r", default: "-1", description: "-N, base, or a revision id" },
    "dry-run": dryRun,
  },
  run: guarded(({ args }) =>
    withDatabase(async (db, display) => {
      const plan = planDowngrade(await migrationStatus(db), args.revision);
      if (args["dry-run"]) return printSql(plan, "down");
      await confirm(
        `Are you sure you want to downgrade the Prefect database at ${display}?`,
        !!args.yes,
        "Database downgrade aborted!",
      );
      print("Running downgrade migrations ...");
      await applyDown(db, plan);
      for (const r of plan) print(`  reverted ${label(r)}`);
      print("Migrations succeeded!");
      consola.success(`Prefect database at ${display} downgraded!`);
    }),
  ),
});

const status = defineCommand({
  meta: { name: "status", description: "Show the current revision and the revision history" },
  run: guarded(() =>
    withDatabase(async (db, display) => {
      const s = await migrationStatus(db);
      print(`Database: ${display}`);
      print(`Current revision: ${s.current ?? "base"}`);
      for (const r of s.all) print(`  ${s.applied.includes(r) ? "[x]" : "[ ]"} ${label(r)}`);
      if (s.pending.length)
        print(`${s.pending.length} revision(s) pending; run \`prefect-lite server database upgrade -y\`.`);
    }),
  ),
});

export default defineCommand({
  meta: { name: "database", description: "Manage the database: reset, upgrade, downgrade, status" },
  subCommands: { reset, upgrade, downgrade, status },
});
