// The dashboard and runs-list pages of the scaling bench (UI_PAGES in scaling.ts) against a server that is
// already running on a seeded database: `bun test/bench/ui.ts http://127.0.0.1:4200 [reps]`. Prints p50
// and p95 per page (after 2 warm-up requests each), for the README without the 30-minute full bench.
import { deepPath, UI_PAGES } from "./scaling.ts";
import { percentile } from "./util.ts";

const base = (process.argv[2] ?? "http://127.0.0.1:4200").replace(/\/$/, "");
const reps = Number(process.argv[3] ?? 21);
const server = { base, api: `${base}/api` };
for (const [key, label, p] of UI_PAGES) {
  const path = p === "DEEP" ? await deepPath(server) : p;
  const lat: number[] = [];
  for (let k = 0; k < reps + 2; k++) {
    const a = performance.now();
    const r = await fetch(base + path);
    await r.text();
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    if (k >= 2) lat.push(performance.now() - a);
  }
  console.log(
    `${key.padEnd(20)} p50 ${percentile(lat, 0.5).toFixed(1).padStart(6)} ms  p95 ${percentile(lat, 0.95).toFixed(1).padStart(6)} ms  ${label}`,
  );
}
