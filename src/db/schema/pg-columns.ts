// The column helpers every PostgreSQL schema file shares: timestamps read back as normalised ISO
// strings (never Date: microseconds matter), jsonb, and the id/created/updated every table starts with.
import { customType, jsonb, uuid } from "drizzle-orm/pg-core";
import { normalizePgTimestamp } from "../pg-time.ts";

export const ts = customType<{ data: string; driverData: string }>({
  dataType: () => "timestamp with time zone",
  fromDriver: (v) => normalizePgTimestamp(v),
  toDriver: (v) => v,
});
export const json = <T>(name: string) => jsonb(name).$type<T>();
export type Json = Record<string, unknown>;

export const base = {
  id: uuid("id").primaryKey(),
  created: ts("created").notNull(),
  updated: ts("updated").notNull(),
};
