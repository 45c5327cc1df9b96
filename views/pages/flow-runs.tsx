import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Pagination } from "../components/pagination.tsx";
import { RunsTable, type RunRow } from "../components/runs-table.tsx";
import { SortHeader } from "../components/sort-header.tsx";
import { WindowSelect } from "../components/window-select.tsx";
import { Layout } from "../layout.tsx";

export interface RunsListQuery {
  state: string;
  flow: string;
  tag: string;
  q: string;
  since: string;
  sort: string;
  /** A deployment's id: only its runs ("" for any). */
  deployment: string;
}

export interface FlowRunsPageProps {
  query: RunsListQuery;
  runs: RunRow[];
  page: number;
  hasNext: boolean;
  /** Parameters of the previous and next pages (keyset cursors); null when there is none. */
  prev?: Record<string, string> | null;
  next?: Record<string, string> | null;
  stateTypes: string[];
  windows: Array<[string, string]>;
  csrfToken: string;
  notice?: string;
  error?: string;
  /** The name of the deployment the list is narrowed to, when it still exists. */
  deploymentName?: string | null;
}

/** The list alone: what htmx swaps when filters, sorting or the page change. */
export function FlowRunsList(p: FlowRunsPageProps) {
  const query = { ...p.query } as Record<string, string>;
  const sortable = (label: string, asc: string | undefined, desc: string) => (
    <SortHeader label={label} path="/runs" query={query} asc={asc} desc={desc} current={p.query.sort} />
  );
  return (
    <div id="runs-list">
      <Flash notice={p.notice} error={p.error} />
      {p.runs.length ? (
        <form method="post" action="/runs/bulk" class="bulk" data-confirm="Apply this action to the selected runs?">
          <input type="hidden" name="csrf" value={p.csrfToken} />
          <div class="bulk-actions">
            <button type="submit" name="action" value="cancel">
              Cancel selected
            </button>
            <button type="submit" name="action" value="delete" class="danger">
              Delete selected
            </button>
          </div>
          <RunsTable
            runs={p.runs}
            selectable
            head={
              <tr>
                <th scope="col">
                  <span class="sr-only">Select</span>
                </th>
                {sortable("Run", "NAME_ASC", "NAME_DESC")}
                <th scope="col">Flow</th>
                <th scope="col">State</th>
                {sortable("Expected start", "EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC")}
                <th scope="col">Duration</th>
                <th scope="col">Tags</th>
              </tr>
            }
          />
        </form>
      ) : (
        <Empty title="No flow runs match these filters" hint="Clear a filter or widen the time window." />
      )}
      <Pagination
        path="/runs"
        query={query}
        page={p.page}
        hasNext={p.hasNext}
        prev={p.prev}
        next={p.next}
        target="#runs-list"
      />
    </div>
  );
}

export function FlowRunsPage(p: FlowRunsPageProps) {
  const q = p.query;
  return (
    <Layout title="Flow runs" section="runs" csrfToken={p.csrfToken}>
      <h1>Flow runs</h1>
      {q.deployment ? (
        <p class="deployment-filter">
          Runs of deployment{" "}
          <a href={`/deployments/${q.deployment}`} safe>
            {p.deploymentName ?? q.deployment}
          </a>{" "}
          <a href={`/runs?${new URLSearchParams({ ...q, deployment: "", page: "1" })}`} class="muted">
            (show all runs)
          </a>
        </p>
      ) : (
        ""
      )}
      <form
        class="filters"
        method="get"
        action="/runs"
        hx-get="/runs"
        hx-target="#runs-list"
        hx-select="#runs-list"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="change, submit, input changed delay:400ms from:#f-q"
      >
        <input type="hidden" name="sort" value={q.sort} />
        {q.deployment ? <input type="hidden" name="deployment" value={q.deployment} /> : ""}
        <label>
          Search <input id="f-q" type="search" name="q" value={q.q} placeholder="run name" />
        </label>
        <label>
          State
          <select name="state">
            <option value="">Any</option>
            {p.stateTypes.map((s) => (
              <option value={s} selected={s === q.state} safe>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Flow <input type="text" name="flow" value={q.flow} placeholder="flow name" />
        </label>
        <label>
          Tag <input type="text" name="tag" value={q.tag} placeholder="tag" />
        </label>
        <WindowSelect windows={p.windows} value={q.since} />
        <button type="submit">Filter</button>
      </form>
      <FlowRunsList {...p} />
    </Layout>
  );
}
