// Liveness, versions and the CSRF probe: the first calls every SDK process makes.
import { Elysia } from "elysia";
import { API_VERSION, PREFECT_COMPAT_VERSION } from "../core/version.ts";

export function adminApi() {
  return new Elysia({ name: "api.admin" })
    .get("/health", () => Response.json(true))
    .get("/ready", () => Response.json({ message: "OK" }))
    .get("/hello", () => Response.json("👋"))
    // The SDK reads these with response.json(): a bare string must go out as a JSON string.
    .get("/version", () => Response.json(API_VERSION))
    .get("/admin/version", () => Response.json(PREFECT_COMPAT_VERSION))
    // No default result-storage block: the SDK then writes results to its local storage.
    .get("/admin/storage", () => Response.json({ default_result_storage_block_id: null }));
}
