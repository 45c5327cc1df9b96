// bun test preload: gives a plain `bun test` a PostgreSQL cluster when test/run.ts did not pass one.
import { startPgCluster } from "./pg-cluster.ts";

if (!process.env.TEST_PG_URL) {
  const cluster = await startPgCluster();
  if (cluster) {
    process.env.TEST_PG_URL = cluster.url;
    // bun test runs no process 'exit' listeners, so a watcher stops the cluster when this process is gone.
    cluster.stopAfter(process.pid);
  }
}
