// Dashboard routes: gather data, render views. Nothing here touches SQL.
import { Elysia } from "elysia";
import { AboutPage } from "../../views/pages/about.tsx";
import type { AppDeps } from "../api/app.ts";
import { PREFECT_COMPAT_VERSION, PREFECT_LITE_VERSION } from "../core/version.ts";
import { html } from "./html.ts";
import { STATIC_FILES } from "./static.ts";

export function dashboard(deps: AppDeps) {
  const apiUrl = `http://${deps.config.host.includes(":") ? `[${deps.config.host}]` : deps.config.host}:${deps.config.port}/api`;
  const about = () =>
    html(
      <AboutPage version={PREFECT_LITE_VERSION} compatVersion={PREFECT_COMPAT_VERSION} database={deps.config.databaseDisplay} revision={deps.revision} apiUrl={apiUrl} />,
    );
  const app = new Elysia({ name: "ui" }).get("/static/:file", ({ params }) => {
    const f = STATIC_FILES[params.file];
    if (!f) return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404, headers: { "content-type": "application/json" } });
    return new Response(Bun.file(f.path), { headers: { "content-type": f.type, "cache-control": "public, max-age=3600" } });
  });
  if (!deps.config.uiEnabled) return app;
  return app.get("/", about).get("/settings", about);
}
