// /api/automations: until automations exist, none can be related to a resource, so
// GET /automations/related-to/{resource_id} answers an empty list (`prefect deployment inspect` reads
// it). The rest of the automations routes answer 501 (api/not-implemented.ts).
import { Elysia } from "elysia";

export function automationsApi() {
  return new Elysia({ name: "api.automations", prefix: "/automations" }).get("/related-to/:resource_id", () => []);
}
