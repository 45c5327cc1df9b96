// The work pools list: each pool's type, status, online workers and concurrency slots in use against
// its limit, by name.
import { Empty } from "../components/empty.tsx";
import { Pagination } from "../components/pagination.tsx";
import { poolHref, SlotUsage, WorkStatus } from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface WorkPoolRow {
  name: string;
  type: string;
  description: string | null;
  status: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
  activeSlots: number;
  onlineWorkers: number;
}

export function WorkPoolsPage(p: { pools: WorkPoolRow[]; page: number; hasNext: boolean; csrfToken: string }) {
  return (
    <Layout title="Work pools" section="work-pools" csrfToken={p.csrfToken}>
      <h1>Work pools</h1>
      {p.pools.length ? (
        <div class="table-wrap">
          <table class="work-pools">
            <thead>
              <tr>
                <th scope="col">Work pool</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Online workers</th>
                <th scope="col">Concurrency</th>
              </tr>
            </thead>
            <tbody>
              {p.pools.map((w) => (
                <tr>
                  <td>
                    <a href={poolHref(w.name)} safe>
                      {w.name}
                    </a>
                    {w.description ? (
                      <div class="muted small description" safe>
                        {w.description.length > 120 ? `${w.description.slice(0, 119)}…` : w.description}
                      </div>
                    ) : (
                      ""
                    )}
                  </td>
                  <td>
                    <code safe>{w.type}</code>
                  </td>
                  <td>
                    <WorkStatus status={w.status} paused={w.is_paused} />
                  </td>
                  <td safe>{String(w.onlineWorkers)}</td>
                  <td>
                    <SlotUsage active={w.activeSlots} limit={w.concurrency_limit} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty
          title="No work pools yet"
          hint="Create one with `prefect work-pool create` and start a worker for it with `prefect worker start`."
        />
      )}
      <Pagination path="/work-pools" query={{}} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}
