// Liveness, versions and the CSRF probe: the first calls every SDK process makes.
import { Elysia } from "elysia";
import { API_VERSION, PREFECT_COMPAT_VERSION } from "../core/version.ts";
import type { ServerConfig } from "../settings/server-config.ts";

/**
 * The server's settings in Prefect's nested shape, without the secrets (Prefect's schema marks the auth
 * string and the connection URL writeOnly, so they never appear in a response). The SDK reads
 * server.analytics_enabled here to decide whether to send usage analytics: prefect-lite sends none and
 * says so, which keeps SDK processes quiet too.
 */
function settingsView(config: ServerConfig) {
  return {
    server: {
      analytics_enabled: false,
      logging_level: config.logLevel,
      api: {
        host: config.host,
        port: config.port,
        default_limit: config.defaultLimit,
        csrf_protection_enabled: config.csrfEnabled,
      },
      ui: { enabled: config.uiEnabled },
    },
  };
}

export function adminApi(config: ServerConfig) {
  return (
    new Elysia({ name: "api.admin" })
      .get("/health", () => Response.json(true))
      .get("/ready", () => Response.json({ message: "OK" }))
      .get("/hello", () => Response.json("👋"))
      // The SDK reads these with response.json(): a bare string must go out as a JSON string.
      .get("/version", () => Response.json(API_VERSION))
      .get("/admin/version", () => Response.json(PREFECT_COMPAT_VERSION))
      // No default result-storage block: the SDK then writes results to its local storage.
      .get("/admin/settings", () => Response.json(settingsView(config)))
      .get("/admin/storage", () => Response.json({ default_result_storage_block_id: null }))
  );
}
