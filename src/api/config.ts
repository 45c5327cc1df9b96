// The part of the settings the HTTP layer needs, resolved once at start-up into a plain object.
import type { Settings } from "../settings/sources.ts";

export interface ServerConfig {
  host: string;
  port: number;
  authString: string | null;
  csrfEnabled: boolean;
  defaultLimit: number;
  uiEnabled: boolean;
  logLevel: string;
  /** The database as shown to people (password hidden). */
  databaseDisplay: string;
}

export function serverConfigFrom(settings: Settings, databaseDisplay: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: settings.get<string>("PREFECT_SERVER_API_HOST"),
    port: settings.get<number>("PREFECT_SERVER_API_PORT"),
    authString: settings.get<string | null>("PREFECT_SERVER_API_AUTH_STRING"),
    csrfEnabled: settings.get<boolean>("PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED"),
    defaultLimit: settings.get<number>("PREFECT_SERVER_API_DEFAULT_LIMIT"),
    uiEnabled: settings.get<boolean>("PREFECT_SERVER_UI_ENABLED"),
    logLevel: settings.get<string>("PREFECT_SERVER_LOGGING_LEVEL"),
    databaseDisplay,
    ...overrides,
  };
}
