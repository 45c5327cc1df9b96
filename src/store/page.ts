// What every list read takes: a filter body (already checked by its request model) and a page of it.
import type { JsonObject } from "../core/json.ts";

export interface Page {
  limit: number;
  offset: number;
  sort?: string | null;
}

export type FilterBody = JsonObject;
