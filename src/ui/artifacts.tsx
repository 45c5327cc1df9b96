// Dashboard pages about artifacts: the latest of each key (searchable), a key's page with its history,
// and an artifact's page. Reads only, through the artifacts store. Image artifacts (and images in
// markdown) point at other sites, so these pages alone let the browser load http(s) images; scripts
// stay limited to our own.
import { Elysia } from "elysia";
import { ArtifactKeyPage, ArtifactPage } from "../../views/pages/artifact.tsx";
import { ArtifactsPage } from "../../views/pages/artifacts.tsx";
import { AppError } from "../core/errors.ts";
import type { ArtifactJson } from "../store/artifacts.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const PAGE_SIZE = 50;
const CSP = "content-security-policy";

/** The page's CSP with remote images allowed (security-headers set the rest before the route runs). */
function allowRemoteImages(headers: Record<string, unknown>) {
  const csp = headers[CSP];
  if (typeof csp === "string") headers[CSP] = csp.replace(/img-src ([^;]*)/, "img-src $1 https: http:");
}

const keyOf = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

export function artifactPages(deps: UiDeps) {
  const { stores, csrf } = deps;

  /** The names of the runs an artifact belongs to, for its facts. */
  async function runNames(a: ArtifactJson | null) {
    const [flowRun, taskRun] = await Promise.all([
      a?.flow_run_id ? stores.flowRuns.get(a.flow_run_id) : null,
      a?.task_run_id ? stores.taskRuns.get(a.task_run_id) : null,
    ]);
    return { flowRunName: flowRun?.name ?? null, taskRunName: taskRun?.name ?? null };
  }

  return new Elysia({ name: "ui.artifacts" })
    .get("/artifacts", async ({ query }) => {
      const page = pageNumber(query.page);
      const q = typeof query.q === "string" ? query.q.trim().slice(0, 200) : "";
      const rows = await stores.artifacts.filterLatest(q ? { artifacts: { key: { like_: q } } } : {}, {
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
        sort: "UPDATED_DESC",
      });
      return html(
        <ArtifactsPage
          rows={rows.slice(0, PAGE_SIZE)}
          q={q}
          page={page}
          hasNext={rows.length > PAGE_SIZE}
          csrfToken={csrf.token}
        />,
      );
    })
    .get("/artifacts/key/:key", async ({ params, query, set }) => {
      const key = keyOf(params.key);
      const page = pageNumber(query.page);
      const [latest, history] = await Promise.all([
        stores.artifacts.latest(key),
        stores.artifacts.filter(
          { artifacts: { key: { any_: [key] } } },
          { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE, sort: "ID_DESC" },
        ),
      ]);
      if (!latest && !history.length) throw new AppError("not_found", `No artifact has the key "${key}".`);
      const current = latest ? await stores.artifacts.get(latest.latest_id) : null;
      allowRemoteImages(set.headers);
      return html(
        <ArtifactKeyPage
          artifactKey={key}
          latest={current}
          history={history.slice(0, PAGE_SIZE)}
          page={page}
          hasNext={history.length > PAGE_SIZE}
          {...(await runNames(current))}
          csrfToken={csrf.token}
        />,
      );
    })
    .get("/artifacts/:id", async ({ params, set }) => {
      const artifact = isUuid(params.id) ? await stores.artifacts.get(params.id) : null;
      if (!artifact) throw new AppError("not_found", "Artifact not found.");
      allowRemoteImages(set.headers);
      return html(<ArtifactPage artifact={artifact} {...(await runNames(artifact))} csrfToken={csrf.token} />);
    });
}
