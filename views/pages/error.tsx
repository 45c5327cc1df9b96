import { Layout } from "../layout.tsx";

export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={status === 404 ? "Not found" : "Error"}>
      <section class="card" role="alert">
        <h1 safe>{status === 404 ? "Not found" : `Error ${status}`}</h1>
        <p safe>{message}</p>
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </section>
    </Layout>
  );
}
