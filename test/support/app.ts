// Builds the real app over a real database for `app.handle` tests: no mocks of our own parts.
import { type AppDeps, createApp } from "../../src/api/app.ts";
import { defaultServerConfig, type ServerConfig } from "../../src/settings/server-config.ts";
import { migrateToHead } from "../../src/db/migrator.ts";
import { openDatabase } from "../../src/db/open.ts";
import { revisionsFor } from "../../src/db/revisions.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";

const headLabel = () => {
  const head = revisionsFor("sqlite").at(-1)!;
  return `${head.id}_${head.name}`;
};

export const baseConfig: ServerConfig = defaultServerConfig();

export async function testApp(
  overrides: Partial<ServerConfig> = {},
  url = "sqlite:///:memory:",
  extra: Pick<AppDeps, "actionBackoffSeconds"> = {},
) {
  const db = await openDatabase(parseDatabaseUrl(url));
  await migrateToHead(db);
  const app = createApp({ config: { ...baseConfig, ...overrides }, db, revision: headLabel(), ...extra });
  // The bus subscribers run, as in a server; loop services are driven by calling their runOnce().
  app.services.start((s) => s === app.services.persister || s === app.services.recorder);
  const call = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set("content-type", "application/json");
    return app.handle(
      new Request(`http://localhost${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      }),
    );
  };
  return {
    app,
    db,
    call,
    close: async () => {
      await app.services.stop();
      await db.close();
    },
  };
}
