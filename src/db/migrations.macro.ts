// Runs at bundle time (imported `with { type: "macro" }`): reads migrations/<dialect>/ and inlines every
// revision's up and down SQL into the bundle, so the binary needs no files beside it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Revision {
  /** Stable id: the number before the first underscore, e.g. "0001". */
  id: string;
  /** Slug after the id, e.g. "core". */
  name: string;
  up: string;
  down: string;
}

export function loadRevisions(dialect: "sqlite" | "pg"): Revision[] {
  const dir = join(import.meta.dir, "..", "..", "migrations", dialect);
  const files = readdirSync(dir);
  const revisions: Revision[] = [];
  for (const file of files.filter((f) => f.endsWith(".up.sql")).sort()) {
    const stem = file.slice(0, -".up.sql".length);
    const [id, ...rest] = stem.split("_");
    const downFile = `${stem}.down.sql`;
    if (!files.includes(downFile)) throw new Error(`migration ${dialect}/${file} has no ${downFile}`);
    revisions.push({
      id,
      name: rest.join("_"),
      up: readFileSync(join(dir, file), "utf8"),
      down: readFileSync(join(dir, downFile), "utf8"),
    });
  }
  return revisions;
}
