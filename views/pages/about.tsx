import { Layout } from "../layout.tsx";

export interface AboutProps {
  version: string;
  compatVersion: string;
  database: string;
  revision: string | null;
  apiUrl: string;
  services: Array<{ name: string; running: boolean }>;
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
        {p.services.length ? (
          <ul>
            {p.services.map((s) => (
              <li>
                <span safe>{s.name}</span>: {s.running ? "running" : "stopped"}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No background services are running (started with --no-services).</p>
        )}
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
