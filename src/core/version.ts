import pkg from "../../package.json" with { type: "json" };

/** prefect-lite's own version. */
export const PREFECT_LITE_VERSION: string = pkg.version;
/** The REST API version the Prefect SDK sends in X-PREFECT-API-VERSION and reads from GET /api/version. */
export const API_VERSION = "0.8.4";
/**
 * What GET /api/admin/version reports. The SDK requires the same major version and warns when the server
 * is older than the client, so this is the newest Prefect release whose client we test against.
 */
export const PREFECT_COMPAT_VERSION = "3.9.1";
