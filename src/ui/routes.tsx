// The dashboard: static assets, the about page, and the run, flow, deployment, work pool, variable,
// artifact, block, concurrency, event, notification and automation pages. Routes gather data through
// the stores and render views; nothing here touches SQL.
import { Elysia } from "elysia";
import { AboutPage } from "../../views/pages/about.tsx";
import { PREFECT_COMPAT_VERSION, PREFECT_LITE_VERSION } from "../core/version.ts";
import { blockPages } from "./blocks.tsx";
import { deploymentPages } from "./deployments.tsx";
import type { UiDeps } from "./deps.ts";
import { eventPages } from "./events.tsx";
import { flowPages } from "./flows.tsx";
import { html } from "./html.ts";
import { runPages } from "./runs.tsx";
import { STATIC_FILES } from "./static.ts";
import { workPoolPages } from "./work-pools.tsx";
import { artifactPages } from "./artifacts.tsx";
import { variablePages } from "./variables.tsx";
import { concurrencyPages } from "./concurrency.tsx";
import { notificationPages } from "./notifications.tsx";
import { automationPages } from "./automations.tsx";
import { assetResponse } from "../core/responses.ts";

export function dashboard(deps: UiDeps) {
  const { host, port } = deps.config;
  const apiUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}/api`;
  const app = new Elysia({ name: "ui" }).get("/static/:file", ({ params }) => assetResponse(STATIC_FILES, params.file));
  if (!deps.config.uiEnabled) return app;
  return app
    .get("/settings", () =>
      html(
        <AboutPage
          version={PREFECT_LITE_VERSION}
          compatVersion={PREFECT_COMPAT_VERSION}
          database={deps.config.databaseDisplay}
          revision={deps.revision}
          apiUrl={apiUrl}
          services={deps.services()}
          csrfToken={deps.csrf.token}
        />,
      ),
    )
    .use(runPages(deps))
    .use(flowPages(deps))
    .use(deploymentPages(deps))
    .use(workPoolPages(deps))
    .use(variablePages(deps))
    .use(artifactPages(deps))
    .use(blockPages(deps))
    .use(concurrencyPages(deps))
    .use(eventPages(deps))
    .use(deps.notifications ? notificationPages(deps, deps.notifications) : new Elysia({ name: "ui.notifications" }))
    .use(deps.notifications ? automationPages(deps, deps.notifications) : new Elysia({ name: "ui.automations" }));
}
