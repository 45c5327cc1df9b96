// The Automations list: each automation's name, its trigger and actions in words, its enabled switch
// and when it last fired; and the page that creates one as JSON.
import { AutomationForm } from "../components/automation-form.tsx";
import { AutomationToggle } from "../components/automation-toggle.tsx";
import { DetailHeader } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface AutomationRow {
  id: string;
  name: string;
  enabled: boolean;
  trigger: string;
  actions: string[];
  lastFired: string | null;
}

export const automationHref = (id: string) => `/automations/${id}`;

export interface AutomationsPageProps {
  automations: AutomationRow[];
  page: number;
  hasNext: boolean;
  notice?: string;
  csrfToken: string;
}

export function AutomationsPage(p: AutomationsPageProps) {
  return (
    <Layout title="Automations" section="automations" csrfToken={p.csrfToken}>
      <div class="section-head">
        <h1>Automations</h1>
        <a href="/automations/new">New automation</a>
      </div>
      <Flash notice={p.notice} />
      {p.automations.length ? (
        <Table class="automations" columns={["Name", "Trigger", "Actions", "Enabled", "Last fired"]}>
          {p.automations.map((a) => (
            <tr data-automation={a.id}>
              <td>
                <a href={automationHref(a.id)} safe>
                  {a.name}
                </a>
              </td>
              <td class="words small" safe>
                {a.trigger}
              </td>
              <td class="words small">
                {a.actions.map((x) => (
                  <div safe>{x}</div>
                ))}
              </td>
              <td>
                <AutomationToggle id={a.id} name={a.name} enabled={a.enabled} csrfToken={p.csrfToken} />
              </td>
              <td>
                <Time ts={a.lastFired} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty
          title="No automations yet"
          hint="Create one as JSON, from the Notifications page, with `Automation(...).create()` or the triggers of serve()."
        />
      )}
      <Pagination path="/automations" query={{}} page={p.page} hasNext={p.hasNext} />
    </Layout>
  );
}

export function NewAutomationPage(p: { json: string; errors: string[]; csrfToken: string }) {
  return (
    <Layout title="New automation" section="automations" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/automations", label: "Automations" }]} title="New automation" />
      <section class="card" aria-labelledby="new-h">
        <h2 id="new-h">Automation as JSON</h2>
        <AutomationForm
          id="new-automation"
          action="/automations"
          json={p.json}
          errors={p.errors}
          submit="Create automation"
          csrfToken={p.csrfToken}
        />
      </section>
    </Layout>
  );
}
