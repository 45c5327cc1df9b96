// The column helpers every SQLite schema file shares: timestamps and JSON as TEXT, and the
// id/created/updated every table starts with.
import { text } from "drizzle-orm/sqlite-core";

export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
export const ts = (name: string) => text(name);
export type Json = Record<string, unknown>;

export const base = {
  id: text("id").primaryKey(),
  created: ts("created").notNull(),
  updated: ts("updated").notNull(),
};
