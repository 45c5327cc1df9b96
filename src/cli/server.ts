// `prefect-lite server start` (and the `database` group beneath `server`).
import { defineCommand } from "citty";
import { consola } from "consola";
import { createApp } from "../api/app.ts";
import { serverConfigFrom, servicesConfigFrom } from "../settings/server-config.ts";
import { migrateToHead, migrationStatus } from "../db/migrator.ts";
import { LOG_LEVELS } from "../settings/registry.ts";
import { parseSettingValue } from "../settings/values.ts";
import { findSetting } from "../settings/registry.ts";
import { CliError, databaseSpec, guarded, loadSettings, openConfiguredDatabase } from "./context.ts";
import database from "./database.ts";

const CONSOLA_LEVEL: Record<string, number> = { DEBUG: 4, INFO: 3, WARNING: 1, ERROR: 0, CRITICAL: 0 };

function banner(host: string, port: number, database: string, uiEnabled: boolean): string {
  const h = host.includes(":") ? `[${host}]` : host;
  const base = `http://${h}:${port}`;
  return [
    "",
    " ___ ___ ___ ___ ___ ___ _____     _    ___ _____ ___",
    "| _ \\ _ \\ __| __| __/ __|_   _|___| |  |_ _|_   _| __|",
    "|  _/   / _|| _|| _| (__  | | |___| |__ | |  | | | _|",
    "|_| |_|_\\___|_| |___\\___| |_|     |____|___| |_| |___|",
    "",
    "Configure Prefect to communicate with the server with:",
    "",
    `    prefect config set PREFECT_API_URL=${base}/api`,
    "",
    `Database: ${database}`,
    "",
    uiEnabled
      ? `Check out the dashboard at ${base}`
      : "The dashboard is disabled. Set `PREFECT_UI_ENABLED=1` to re-enable it.",
    "",
  ].join("\n");
}

const start = defineCommand({
  meta: { name: "start", description: "Start the API server and dashboard" },
  args: {
    host: { type: "string", description: "Address to listen on (PREFECT_SERVER_API_HOST, default 127.0.0.1)" },
    port: { type: "string", description: "Port to listen on (PREFECT_SERVER_API_PORT, default 4200)" },
    "log-level": {
      type: "string",
      description: `Server log level: ${LOG_LEVELS.join(", ")} (PREFECT_SERVER_LOGGING_LEVEL)`,
    },
    services: {
      type: "boolean",
      default: true,
      description: "Run Prefect's background services; --no-services serves the API and dashboard only, as in Prefect",
    },
    ui: { type: "boolean", default: true, description: "Serve the dashboard; --no-ui turns it off" },
    "keep-alive-timeout": { type: "string", description: "Accepted for compatibility with `prefect server start`" },
    "analytics-off": { type: "boolean", description: "Accepted for compatibility; prefect-lite sends no telemetry" },
  },
  run: guarded(async ({ args }) => {
    const settings = loadSettings();
    const port =
      args.port === undefined
        ? undefined
        : (parseSettingValue(findSetting("PREFECT_SERVER_API_PORT")!, args.port) as number);
    const logLevel =
      args["log-level"] === undefined
        ? undefined
        : (parseSettingValue(findSetting("PREFECT_SERVER_LOGGING_LEVEL")!, args["log-level"]) as string);
    const spec = databaseSpec(settings);
    const config = serverConfigFrom(settings, spec.display, {
      ...(args.host !== undefined ? { host: args.host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(logLevel ? { logLevel } : {}),
      ...(args.ui === false ? { uiEnabled: false } : {}),
      services: servicesConfigFrom(settings, args.services !== false),
    });
    consola.level = CONSOLA_LEVEL[config.logLevel] ?? 1;
    if (!config.host.trim())
      throw new CliError(`Invalid host '${config.host}'. Please specify a valid hostname or IP address.`);

    const db = await openConfiguredDatabase(settings);
    if (settings.get<boolean>("PREFECT_SERVER_DATABASE_MIGRATE_ON_START")) {
      const applied = await migrateToHead(db);
      if (applied.length) consola.info(`Applied ${applied.length} migration(s).`);
    }
    const revision = (await migrationStatus(db)).current;
    const app = createApp({ config, db, revision });
    // Prefect's server registers its block types at start, so the dashboard can create a Secret
    // before any client registered one; a database that is not migrated yet only loses the catalogue.
    await app.blocks.registerBuiltIns().catch((e) => consola.warn(`Could not register the built-in block types: ${e}`));
    // Stopping the services writes the events and task runs still queued, before the database closes.
    const closeAll = async () => {
      await app.services.stop();
      await db.close();
    };
    try {
      // reusePort off: a second server on a port in use must fail, not share the port with the first.
      app.listen({
        hostname: config.host,
        port: config.port,
        idleTimeout: 30,
        maxRequestBodySize: 64 * 1024 * 1024,
        reusePort: false,
      });
    } catch (e) {
      await closeAll();
      const msg = String((e as Error).message ?? e);
      if (/in use|EADDRINUSE/i.test(msg))
        throw new CliError(
          `Port ${config.port} is already in use. Please specify a different port with the \`--port\` flag.`,
        );
      if (/EADDRNOTAVAIL|ENOTFOUND|getaddrinfo|resolve/i.test(msg))
        throw new CliError(`Invalid host '${config.host}'. Please specify a valid hostname or IP address.`);
      throw e;
    }
    app.services.start();
    process.stdout.write(`${banner(config.host, app.server!.port ?? config.port, spec.display, config.uiEnabled)}\n`);

    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await app.stop();
      await closeAll();
      process.stdout.write("Server stopped!\n");
      process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }),
});

export default defineCommand({
  meta: { name: "server", description: "Start the server and manage its database" },
  subCommands: { start, database },
});
