// The embedded revision lists, one linear chain per dialect.
import { loadRevisions } from "./migrations.macro.ts" with { type: "macro" };
import type { Revision } from "./migrations.macro.ts";

export type { Revision };
export const MIGRATIONS_TABLE = "prefect_lite_migrations";

const REVISIONS = { sqlite: loadRevisions("sqlite"), pg: loadRevisions("pg") } as const;

export function revisionsFor(dialect: "sqlite" | "pg"): readonly Revision[] {
  return REVISIONS[dialect];
}

export function knownRevisionIds(dialect: "sqlite" | "pg"): Set<string> {
  return new Set(REVISIONS[dialect].map((r) => r.id));
}
