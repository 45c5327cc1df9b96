// An automation's page: its trigger and actions in words and as the JSON the API answers, its enabled
// switch, its recent firings (each triggered action with its status, attempts, last response code and
// error, and the flow run it fired for), delete (asked first) and the JSON edit form.
import { ActionsCard, PostButton } from "../components/actions.tsx";
import { AutomationForm } from "../components/automation-form.tsx";
import { AutomationToggle } from "../components/automation-toggle.tsx";
import { Description, DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Empty } from "../components/empty.tsx";
import { Table } from "../components/table.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";
import { type AutomationRow, automationHref } from "./automations.tsx";

export interface FiringRow {
  triggered: string;
  action: string;
  status: string;
  attempts: number;
  responseCode: number | null;
  error: string | null;
  /** The flow run the triggering event is about, when it is one. */
  runId: string | null;
}

export interface AutomationPageProps {
  automation: AutomationRow & { description: string; tags: string[]; created: string; updated: string };
  /** The automation as the API answers it, pretty-printed. */
  json: string;
  firings: FiringRow[];
  form: { json: string; errors: string[] };
  notice?: string;
  csrfToken: string;
}

export function AutomationPage(p: AutomationPageProps) {
  const a = p.automation;
  return (
    <Layout title={a.name} section="automations" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/automations", label: "Automations" }]} title={a.name}>
        <Description text={a.description} />
        <dl class="facts">
          <dt>Enabled</dt>
          <dd>
            <AutomationToggle id={a.id} name={a.name} enabled={a.enabled} csrfToken={p.csrfToken} />
          </dd>
          <dt>Tags</dt>
          <dd>
            <Tags tags={a.tags} none="none" />
          </dd>
          <dt>Last fired</dt>
          <dd>
            <Time ts={a.lastFired} />
          </dd>
          <dt>Created</dt>
          <dd>
            <Time ts={a.created} />
          </dd>
          <IdFacts id={a.id} updated={a.updated} />
        </dl>
      </DetailHeader>
      <ActionsCard notice={p.notice}>
        <PostButton
          action={`${automationHref(a.id)}/delete`}
          confirm={`Delete the automation "${a.name}"? Its queued actions are dropped.`}
          label="Delete automation"
          danger
          csrfToken={p.csrfToken}
        />
      </ActionsCard>
      <div class="grid-2">
        <section class="card" aria-labelledby="words-h">
          <h2 id="words-h">In words</h2>
          <h3>Trigger</h3>
          <p class="trigger-words" safe>
            {a.trigger}
          </p>
          <h3>Actions</h3>
          <ol class="action-words">
            {a.actions.map((x) => (
              <li safe>{x}</li>
            ))}
          </ol>
        </section>
        <section class="card" aria-labelledby="json-h">
          <h2 id="json-h">As JSON</h2>
          <pre class="json" safe>
            {p.json}
          </pre>
        </section>
      </div>
      <section class="card" aria-labelledby="firings-h">
        <h2 id="firings-h">Recent firings</h2>
        {p.firings.length ? (
          <Table
            class="firings"
            columns={["Triggered", "Action", "Status", "Attempts", "Response", "Error", "Flow run"]}
          >
            {p.firings.map((f) => (
              <tr>
                <td>
                  <Time ts={f.triggered} />
                </td>
                <td class="words small" safe>
                  {f.action}
                </td>
                <td>
                  <span class={`badge firing-${f.status.toLowerCase()}`} safe>
                    {f.status}
                  </span>
                </td>
                <td safe>{String(f.attempts)}</td>
                <td safe>{f.responseCode === null ? "—" : String(f.responseCode)}</td>
                <td class="small" safe>
                  {f.error ?? "—"}
                </td>
                <td>{f.runId ? <a href={`/runs/${f.runId}`}>Flow run</a> : "—"}</td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty title="Not fired yet" />
        )}
      </section>
      <section class="card" aria-labelledby="edit-h">
        <h2 id="edit-h">Edit</h2>
        <AutomationForm
          id="edit-automation"
          action={automationHref(a.id)}
          json={p.form.json}
          errors={p.form.errors}
          submit="Save automation"
          csrfToken={p.csrfToken}
        />
      </section>
    </Layout>
  );
}
