// Which operations the fuzzer tests: those the real app implements, read from Elysia's route table of
// createApp (through test/support/app.ts), so the fuzzed set grows as routes are added and no list is
// kept by hand. Schema operations we do not implement are left out (test/fuzz/schema.ts).
//
//   bun test/fuzz/operations.ts SCHEMA OUT.json   writes the fuzzed schema, prints {included, excluded}
import { readFileSync, writeFileSync } from "node:fs";
import { testApp } from "../support/app.ts";
import { fuzzSchema, pathShape } from "./schema.ts";

const HTTP = new Set(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]);

// A stand-in for a path parameter when probing a route (below); a well-formed id nothing has.
const PROBE_ID = "00000000-0000-4000-8000-000000000000";

/**
 * "GET /flows/{}" for every HTTP route the app serves under /api (websockets are not in the schema),
 * less those that answer 501 Not Implemented: the app routes Prefect's routes it lacks to a 501 that
 * names them (for the SDK's sake), and those are not ours to fuzz until they are implemented. A probe
 * with a made-up id and an empty JSON object tells them apart without knowing how they are built.
 */
export async function routedOperations(): Promise<Set<string>> {
  const t = await testApp();
  try {
    const out = new Set<string>();
    for (const r of t.app.routes) {
      const method = r.method.toUpperCase();
      if (!r.path.startsWith("/api/") || !HTTP.has(method)) continue;
      const probe = new Request(`http://localhost${r.path.replace(/:[^/]+/g, PROBE_ID)}`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "GET" || method === "HEAD" ? undefined : "{}",
      });
      if ((await t.app.handle(probe)).status === 501) continue;
      out.add(`${method} ${pathShape(r.path.slice("/api".length))}`);
    }
    return out;
  } finally {
    await t.close();
  }
}

if (import.meta.main) {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) throw new Error("usage: bun test/fuzz/operations.ts SCHEMA OUT.json");
  const { schema, included, excluded } = fuzzSchema(JSON.parse(readFileSync(src, "utf8")), await routedOperations());
  writeFileSync(out, JSON.stringify(schema));
  console.log(JSON.stringify({ included, excluded }));
  process.exit(0);
}
