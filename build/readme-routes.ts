// Rewrites the README's list of Prefect routes prefect-lite does not implement yet, from the same list
// the server answers 501 for (src/api/not-implemented.ts), so the two never disagree:
//   bun build/readme-routes.ts          rewrite the section
//   bun build/readme-routes.ts --check  exit 1 if it is stale (test/unit/prefect-routes.test.ts runs it)
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createApp } from "../src/api/app.ts";
import { KEEP_404, type RouteRef } from "../src/api/not-implemented.ts";
import PREFECT_ROUTES from "../src/api/prefect-routes.json" with { type: "json" };
import { migrateToHead } from "../src/db/migrator.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { defaultServerConfig } from "../src/settings/server-config.ts";

export const README = resolve(import.meta.dir, "..", "README.md");
const START = "<!-- not-implemented:start (build/readme-routes.ts writes this list) -->";
const END = "<!-- not-implemented:end -->";

/** The Prefect routes a fully wired app answers 501 for (built over a throwaway in-memory database). */
export async function notImplementedRoutes(): Promise<RouteRef[]> {
  const db = await openDatabase(parseDatabaseUrl("sqlite:///:memory:"));
  await migrateToHead(db);
  const app = createApp({
    config: defaultServerConfig({ services: { ...defaultServerConfig().services, run: false } }),
    db,
    revision: null,
  });
  const missing = app.notImplemented;
  await db.close();
  return missing;
}

export function section(missing: RouteRef[]): string {
  const total = (PREFECT_ROUTES as RouteRef[]).length;
  const byTag = new Map<string, string[]>();
  for (const r of missing as Array<RouteRef & { tag?: string }>) {
    const list = byTag.get(r.tag || "Other") ?? [];
    list.push(`\`${r.method === "WS" ? "WebSocket" : r.method} ${r.path}\``);
    byTag.set(r.tag || "Other", list);
  }
  const lines = [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, routes]) => `- **${tag}** (${routes.length}): ${routes.join(", ")}`);
  const implemented = total - missing.length - KEEP_404.size;
  return [
    START,
    "",
    `${implemented} of Prefect's ${total} routes are implemented and ${KEEP_404.size === 1 ? "1 stays a 404" : `${KEEP_404.size} stay 404s`}; these ${missing.length} answer \`501 Not Implemented\`:`,
    "",
    ...lines,
    "",
    END,
  ].join("\n");
}

export function withSection(readme: string, text: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error(`README.md has no ${START} … ${END} markers`);
  return readme.slice(0, a) + text + readme.slice(b + END.length);
}

if (import.meta.main) {
  const readme = readFileSync(README, "utf8");
  const next = withSection(readme, section(await notImplementedRoutes()));
  if (process.argv.includes("--check")) {
    if (next !== readme) {
      console.error("README.md's list of routes not implemented is stale: run bun build/readme-routes.ts");
      process.exit(1);
    }
  } else writeFileSync(README, next);
}
