import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import { WindowSelect } from "../components/window-select.tsx";
import { Layout } from "../layout.tsx";

export interface EventRow {
  id: string;
  occurred: string;
  event: string;
  resource: Record<string, string>;
  related: Array<Record<string, string>>;
  payload: Record<string, unknown>;
}

export interface EventsQuery {
  prefix: string;
  resource: string;
  since: string;
}

export function EventsPage(p: {
  query: EventsQuery;
  events: EventRow[];
  page: number;
  hasNext: boolean;
  windows: Array<[string, string]>;
  csrfToken: string;
  error?: string;
}) {
  return (
    <Layout title="Events" section="events" csrfToken={p.csrfToken}>
      <h1>Events</h1>
      <form class="filters" method="get" action="/events">
        <label>
          Event name starts with{" "}
          <input type="text" name="prefix" value={p.query.prefix} placeholder="prefect.flow-run." />
        </label>
        <label>
          Resource <input type="text" name="resource" value={p.query.resource} placeholder="prefect.flow-run.…" />
        </label>
        <WindowSelect windows={p.windows} value={p.query.since} />
        <button type="submit">Filter</button>
      </form>
      <Flash error={p.error} />
      {p.events.length ? (
        <Table columns={["Occurred", "Event", "Resource"]}>
          {p.events.map((e) => (
            <tr>
              <td>
                <Time ts={e.occurred} />
              </td>
              <td>
                <a href={`/events/${e.id}`} safe>
                  {e.event}
                </a>
              </td>
              <td>
                <code safe>{e.resource["prefect.resource.name"] ?? e.resource["prefect.resource.id"] ?? ""}</code>
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty title="No events match" hint="Events arrive from running flows and from state changes." />
      )}
      <Pagination path="/events" query={{ ...p.query }} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}

export function EventPage({ event: e, csrfToken }: { event: EventRow; csrfToken: string }) {
  return (
    <Layout title={e.event} section="events" csrfToken={csrfToken}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/events">Events</a>
      </nav>
      <h1 safe>{e.event}</h1>
      <dl class="facts">
        <dt>Occurred</dt>
        <dd>
          <Time ts={e.occurred} />
        </dd>
        <dt>Resource</dt>
        <dd>
          <code safe>{e.resource["prefect.resource.id"] ?? ""}</code>
        </dd>
        <dt>ID</dt>
        <dd>
          <code safe>{e.id}</code>
        </dd>
      </dl>
      <div class="grid-2">
        <section class="card" aria-labelledby="res-h">
          <h2 id="res-h">Resource and related</h2>
          <pre class="json" safe>
            {JSON.stringify({ resource: e.resource, related: e.related }, null, 2)}
          </pre>
        </section>
        <section class="card" aria-labelledby="pay-h">
          <h2 id="pay-h">Payload</h2>
          <pre class="json" safe>
            {JSON.stringify(e.payload, null, 2)}
          </pre>
        </section>
      </div>
    </Layout>
  );
}
