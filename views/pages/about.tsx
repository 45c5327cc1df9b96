import { Layout } from "../layout.tsx";

export interface AboutProps {
  version: string;
  compatVersion: string;
  database: string;
  revision: string | null;
  apiUrl: string;
}

export function AboutPage(p: AboutProps) {
  return (
    <Layout title="Settings">
      <section class="card">
        <h1>prefect-lite</h1>
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
      <section class="card">
        <h2>Connect the Prefect SDK</h2>
        <pre>
          <code safe>{`prefect config set PREFECT_API_URL=${p.apiUrl}`}</code>
        </pre>
      </section>
    </Layout>
  );
}
