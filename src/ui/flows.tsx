// Dashboard pages about flows: the list and a flow's page with its deployments and run history.
import { Elysia } from "elysia";
import { FlowPage, FlowsPage } from "../../views/pages/flows.tsx";
import { AppError } from "../core/errors.ts";
import { addSeconds, nowTimestamp } from "../orchestration/index.ts";
import { deploymentRows } from "./deployments.tsx";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber } from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const PAGE_SIZE = 50;

export function flowPages(deps: UiDeps) {
  const { stores, csrf } = deps;
  return new Elysia({ name: "ui.flows" })
    .get("/flows", async ({ query }) => {
      const q = query.q ?? "";
      const page = pageNumber(query.page);
      const flows = await stores.flows.filter(q ? { flows: { name: { like_: q } } } : {}, {
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
        sort: "NAME_ASC",
      });
      return html(
        <FlowsPage
          flows={flows.slice(0, PAGE_SIZE)}
          q={q}
          page={page}
          hasNext={flows.length > PAGE_SIZE}
          csrfToken={csrf.token}
        />,
      );
    })
    .get("/flows/:id", async ({ params }) => {
      if (!isUuid(params.id)) throw new AppError("not_found", "Flow not found");
      const flow = await stores.flows.get(params.id);
      if (!flow) throw new AppError("not_found", "Flow not found");
      const byFlow = { flows: { id: { any_: [flow.id] } } };
      const end = nowTimestamp();
      const [runs, runCount, history, deployments] = await Promise.all([
        stores.flowRuns.filter(byFlow, { limit: 20, offset: 0, sort: "EXPECTED_START_TIME_DESC" }),
        stores.flowRuns.count(byFlow),
        stores.history.flowRunHistory({
          ...byFlow,
          history_start: addSeconds(end, -7 * 86400),
          history_end: end,
          history_interval: 3 * 3600,
        }),
        stores.deployments.filter(byFlow, { limit: 100, offset: 0, sort: "NAME_ASC" }),
      ]);
      return html(
        <FlowPage
          flow={flow}
          runs={runs.map((r) => ({
            ...r,
            flowName: flow.name,
            deploymentName: deployments.find((d) => d.id === r.deployment_id)?.name ?? null,
          }))}
          deployments={await deploymentRows(stores, deployments)}
          history={history}
          runCount={runCount}
          csrfToken={csrf.token}
        />,
      );
    });
}
