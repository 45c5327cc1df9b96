import { Note } from "../components/note.tsx";
import { Table } from "../components/table.tsx";
import { formatDuration, Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

/** A background service as the settings page shows it (services/service.ts reports these fields). */
export interface ServiceRow {
  name: string;
  description: string;
  state: string;
  loopSeconds: number | null;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  detail: string | null;
}

export interface AboutProps {
  version: string;
  compatVersion: string;
  database: string;
  revision: string | null;
  apiUrl: string;
  services: ServiceRow[];
  csrfToken?: string;
}

export function AboutPage(p: AboutProps) {
  return (
    <Layout title="Settings" section="settings" csrfToken={p.csrfToken}>
      <h1>Settings</h1>
      <section class="card" aria-labelledby="about-h">
        <h2 id="about-h">About this server</h2>
        <dl class="facts">
          <dt>Version</dt>
          <dd safe>{p.version}</dd>
          <dt>Prefect API compatibility</dt>
          <dd safe>{p.compatVersion}</dd>
          <dt>Database</dt>
          <dd>
            <code safe>{p.database}</code>
          </dd>
          <dt>Migration revision</dt>
          <dd safe>{p.revision ?? "base"}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="svc-h">
        <h2 id="svc-h">Services</h2>
        <Table class="services" columns={["Service", "State", "Every", "Last run", "Took", "Last error"]}>
          {p.services.map((s) => (
            <tr data-service={s.name}>
              <th scope="row">
                <span safe>{s.name}</span>
                <div class="muted small" safe>
                  {s.description}
                </div>
              </th>
              <td class="service-state" safe>
                {s.state}
              </td>
              <td safe>{s.loopSeconds === null ? "—" : formatDuration(s.loopSeconds)}</td>
              <td>
                <Time ts={s.lastRunAt} />
                <Note text={s.detail} />
              </td>
              <td safe>{s.lastDurationMs === null ? "—" : formatDuration(s.lastDurationMs / 1000)}</td>
              <td class="service-error">
                {s.lastError ? (
                  <span class="error-text" safe>
                    {s.lastError}
                  </span>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </Table>
        <p class="muted small">
          Prefect's services follow their <code>PREFECT_SERVER_SERVICES_&lt;NAME&gt;_ENABLED</code> settings and stay
          off with <code>--no-services</code>; the database upkeep always runs.
        </p>
      </section>
      <section class="card" aria-labelledby="sdk-h">
        <h2 id="sdk-h">Connect the Prefect SDK</h2>
        <pre>
          <code safe>{`prefect config set PREFECT_API_URL=${p.apiUrl}`}</code>
        </pre>
      </section>
    </Layout>
  );
}
