// The work pools list: each pool's type, status, online workers and concurrency slots in use against
// its limit, by name.
import { Empty } from "../components/empty.tsx";
import { Note } from "../components/note.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { poolHref, SlotUsage, type WorkPoolFields, WorkStatus } from "../components/work-status.tsx";
import { Layout } from "../layout.tsx";

export interface WorkPoolRow extends WorkPoolFields {
  activeSlots: number;
  onlineWorkers: number;
}

/** A description short enough for a list row. */
const shorten = (text: string | null) => (text && text.length > 120 ? `${text.slice(0, 119)}…` : text);

export function WorkPoolsPage(p: { pools: WorkPoolRow[]; page: number; hasNext: boolean; csrfToken: string }) {
  return (
    <Layout title="Work pools" section="work-pools" csrfToken={p.csrfToken}>
      <h1>Work pools</h1>
      {p.pools.length ? (
        <Table class="work-pools" columns={["Work pool", "Type", "Status", "Online workers", "Concurrency"]}>
          {p.pools.map((w) => (
            <tr>
              <td>
                <a href={poolHref(w.name)} safe>
                  {w.name}
                </a>
                <Note text={shorten(w.description)} class="description" />
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
        </Table>
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
