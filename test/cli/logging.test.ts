// What the server prints about requests, read from the binary's own output: an access line per request
// at INFO (as uvicorn prints them for Prefect's server, plus the time taken), a warning naming a
// request nothing routes, and at the default level (WARNING) no access lines at all.
import { describe, expect, test } from "bun:test";
import { startServer, tempHome } from "../support/binary.ts";

async function serve(args: string[], requests: (base: string) => Promise<void>): Promise<string> {
  const s = await startServer(
    { PREFECT_HOME: tempHome(), PREFECT_API_DATABASE_CONNECTION_URL: "sqlite:///:memory:" },
    args,
  );
  await requests(s.base);
  // The access line is written once the answer has gone out, a moment after the client has it.
  await Bun.sleep(200);
  s.proc.kill("SIGTERM");
  await s.proc.exited;
  return (await new Response(s.proc.stderr).text()) + (await new Response(s.proc.stdout).text());
}

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("request logging", () => {
  test("INFO: one access line per request with client, method, path, status and duration; unknown routes warn", async () => {
    const out = await serve(["--log-level", "INFO"], async (base) => {
      await fetch(`${base}/api/flows/`, json({ name: "logged" }));
      await fetch(`${base}/api/flows/`, json({ name: 5 }));
      await fetch(`${base}/api/admin/storage`, { method: "PUT" });
      await fetch(`${base}/api/no-such-thing?x=1`);
      await fetch(`${base}/runs?page=2`);
    });
    const access = out.split("\n").filter((l) => l.includes("uvicorn.access"));
    const line = (method: string, path: string, status: string) =>
      new RegExp(
        `\\| INFO {5}\\| uvicorn\\.access - 127\\.0\\.0\\.1:\\d+ - "${method} ${path.replace(/[?.]/g, "\\$&")} HTTP/1\\.1" ${status} \\(\\d+\\.\\d ms\\)$`,
      );
    for (const [method, path, status] of [
      ["POST", "/api/flows/", "201 Created"],
      ["POST", "/api/flows/", "422 Unprocessable Entity"],
      ["PUT", "/api/admin/storage", "501 Not Implemented"],
      ["GET", "/api/no-such-thing?x=1", "404 Not Found"],
      ["GET", "/runs?page=2", "200 OK"],
    ]) {
      expect({ path, status, found: access.some((l) => line(method, path, status).test(l)) }).toEqual({
        path,
        status,
        found: true,
      });
    }
    expect(out).toMatch(/\| WARNING {2}\| prefect\.server - No route for GET \/api\/no-such-thing$/m);
    // A route Prefect has but we do not yet is a 501, not "no route".
    expect(out).not.toContain("No route for GET /api/flow_runs/");
  });

  test("WARNING (the default): no access lines, the unknown-route warning still", async () => {
    const out = await serve([], async (base) => {
      await fetch(`${base}/api/health`);
      await fetch(`${base}/api/nowhere`);
    });
    expect(out).not.toContain("uvicorn.access");
    expect(out).toContain("No route for GET /api/nowhere");
  });
});
