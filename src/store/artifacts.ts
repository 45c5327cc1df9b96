// Artifacts and artifact_collection, the latest artifact of each key. Creating an artifact with a key
// makes it its key's latest in the same transaction; updating the latest updates the collection too;
// deleting the latest makes the key's next newest the latest, or drops the key when none is left
// (Prefect's models/artifacts.py).
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import type { ArtifactInput, ArtifactPatch } from "../schemas/artifacts.ts";
import { artifactWhere } from "./artifact-filters.ts";
import type { FilterBody, Page } from "./page.ts";
import { orderBy } from "./sorts.ts";
import { fragmentsFor, raw } from "./sql.ts";

export const ARTIFACT_SORTS = ["CREATED_DESC", "UPDATED_DESC", "ID_DESC", "KEY_DESC", "KEY_ASC"];

interface ArtifactFields {
  type: string | null;
  description: string | null;
  data: unknown;
  metadata_: Record<string, string> | null;
  flow_run_id: string | null;
  task_run_id: string | null;
}
export interface ArtifactJson extends ArtifactFields {
  id: string;
  created: string;
  updated: string;
  key: string | null;
}
export interface ArtifactCollectionJson extends ArtifactFields {
  id: string;
  created: string;
  updated: string;
  key: string;
  latest_id: string;
}

const fields = (r: Row): ArtifactFields => ({
  type: (r.type as string | null) ?? null,
  description: (r.description as string | null) ?? null,
  data: r.data ?? null,
  metadata_: (r.metadata_ as Record<string, string> | null) ?? null,
  flow_run_id: (r.flow_run_id as string | null) ?? null,
  task_run_id: (r.task_run_id as string | null) ?? null,
});

// Prefect's field order (its Artifact and ArtifactCollection models).
const artifactJson = (r: Row): ArtifactJson => {
  const f = fields(r);
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    key: (r.key as string | null) ?? null,
    type: f.type,
    description: f.description,
    data: f.data,
    metadata_: f.metadata_,
    flow_run_id: f.flow_run_id,
    task_run_id: f.task_run_id,
  };
};
const collectionJson = (r: Row): ArtifactCollectionJson => {
  const f = fields(r);
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    key: r.key as string,
    latest_id: r.latest_id as string,
    type: f.type,
    description: f.description,
    data: f.data,
    metadata_: f.metadata_,
    flow_run_id: f.flow_run_id,
    task_run_id: f.task_run_id,
  };
};

type Table = "artifact" | "artifact_collection";

/** How a write moved its key's latest: the collection after it (before it, when deleted). */
export interface CollectionChange {
  action: "created" | "updated" | "deleted";
  collection: ArtifactCollectionJson;
}

export function artifactsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* artifactOp(id: string): Op<Row | null> {
    return (yield* row<Row>(sql`SELECT * FROM artifact WHERE id = ${id}`)) ?? null;
  }

  function* collectionOp(key: string): Op<ArtifactCollectionJson | null> {
    const r = yield* row<Row>(sql`SELECT * FROM artifact_collection WHERE key = ${key}`);
    return r ? collectionJson(r) : null;
  }

  /** The key's collection row now names `a` (an artifact row) as its latest, with a's fields. */
  function* pointCollectionAtOp(a: Row | ArtifactJson, now: string): Op<void> {
    const f = fields(a as Row);
    yield* exec(sql`
      INSERT INTO artifact_collection (id, created, updated, key, latest_id, task_run_id, flow_run_id, type, data,
        description, metadata_)
      VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${a.key as string}, ${a.id as string}, ${f.task_run_id},
        ${f.flow_run_id}, ${f.type}, ${d.json(f.data)}, ${f.description}, ${d.json(f.metadata_)})
      ON CONFLICT (key) DO UPDATE SET latest_id = excluded.latest_id, updated = excluded.updated,
        task_run_id = excluded.task_run_id, flow_run_id = excluded.flow_run_id, type = excluded.type,
        data = excluded.data, description = excluded.description, metadata_ = excluded.metadata_`);
  }

  function list(table: Table, body: FilterBody, page: Page) {
    return driver.read(function* () {
      const rs = yield* rows<Row>(sql`
        SELECT * FROM ${raw(table)} WHERE ${artifactWhere(body, d, table)}
        ORDER BY ${orderBy(table, page.sort, "ID_DESC")} LIMIT ${page.limit} OFFSET ${page.offset}`);
      return rs;
    });
  }

  function count(table: Table, body: FilterBody): Promise<number> {
    return driver.read(function* () {
      const r = yield* row<{ count: number }>(
        sql`SELECT count(*) AS count FROM ${raw(table)} WHERE ${artifactWhere(body, d, table)}`,
      );
      return Number(r!.count);
    });
  }

  return {
    /** The artifact, and how its key's latest moved (null without a key). */
    create(input: ArtifactInput): Promise<{ artifact: ArtifactJson; change: CollectionChange | null }> {
      return driver.tx(function* () {
        const now = nowTimestamp();
        const id = Bun.randomUUIDv7();
        yield* exec(sql`
          INSERT INTO artifact (id, created, updated, key, task_run_id, flow_run_id, type, data, description, metadata_)
          VALUES (${id}, ${now}, ${now}, ${input.key}, ${input.task_run_id}, ${input.flow_run_id}, ${input.type},
            ${d.json(input.data)}, ${input.description}, ${d.json(input.metadata_)})`);
        const a = (yield* artifactOp(id))!;
        if (input.key === null) return { artifact: artifactJson(a), change: null };
        yield* pointCollectionAtOp(a, now);
        const collection = (yield* collectionOp(input.key))!;
        // As Prefect tells them apart: a collection made by this write has created = updated.
        const action = collection.created === collection.updated ? "created" : "updated";
        return { artifact: artifactJson(a), change: { action, collection } };
      });
    },

    get(id: string): Promise<ArtifactJson | null> {
      return driver.read(function* () {
        const r = yield* artifactOp(id);
        return r ? artifactJson(r) : null;
      });
    },

    latest(key: string): Promise<ArtifactCollectionJson | null> {
      return driver.read(() => collectionOp(key));
    },

    async filter(body: FilterBody, page: Page): Promise<ArtifactJson[]> {
      return (await list("artifact", body, page)).map(artifactJson);
    },
    count: (body: FilterBody) => count("artifact", body),
    async filterLatest(body: FilterBody, page: Page): Promise<ArtifactCollectionJson[]> {
      return (await list("artifact_collection", body, page)).map(collectionJson);
    },
    countLatest: (body: FilterBody) => count("artifact_collection", body),

    /** False when there is no such artifact. The key's collection follows when this is its latest. */
    update(id: string, patch: ArtifactPatch): Promise<boolean> {
      return driver.tx(function* () {
        if (!(yield* artifactOp(id))) return false;
        const sets = [sql`updated = ${nowTimestamp()}`];
        if ("data" in patch) sets.push(sql`data = ${d.json(patch.data)}`);
        if ("description" in patch) sets.push(sql`description = ${patch.description ?? null}`);
        if ("metadata_" in patch) sets.push(sql`metadata_ = ${d.json(patch.metadata_)}`);
        const set = sql.join(sets, sql`, `);
        yield* exec(sql`UPDATE artifact SET ${set} WHERE id = ${id}`);
        yield* exec(sql`UPDATE artifact_collection SET ${set} WHERE latest_id = ${id}`);
        return true;
      });
    },

    /**
     * The artifact deleted (null: none) and how its key's latest moved: deleting a key's latest hands
     * the key to its next newest, or drops the key when it was the last.
     */
    delete(id: string): Promise<{ artifact: ArtifactJson; change: CollectionChange | null } | null> {
      return driver.tx(function* () {
        const a = yield* artifactOp(id);
        if (!a) return null;
        let change: CollectionChange | null = null;
        if (a.key !== null) {
          // On PostgreSQL a create of the same key waits for this to commit (and this for it), so the
          // key never ends up pointing at an artifact that is gone.
          yield* row(sql`SELECT id FROM artifact_collection WHERE key = ${a.key as string}${d.forUpdate}`);
          const isLatest = yield* row(
            sql`SELECT 1 FROM artifact_collection WHERE key = ${a.key as string} AND latest_id = ${id}`,
          );
          if (isLatest) {
            const next = yield* row<Row>(sql`
              SELECT * FROM artifact WHERE key = ${a.key as string} AND id <> ${id}
              ORDER BY created DESC, id DESC LIMIT 1`);
            const before = (yield* collectionOp(a.key as string))!;
            if (next) {
              // Prefect copies the next one's created and updated onto the collection as well.
              yield* pointCollectionAtOp(next, next.updated as string);
              yield* exec(sql`
                UPDATE artifact_collection SET created = ${next.created as string} WHERE key = ${a.key as string}`);
              change = { action: "updated", collection: (yield* collectionOp(a.key as string))! };
            } else {
              yield* exec(sql`DELETE FROM artifact_collection WHERE key = ${a.key as string}`);
              change = { action: "deleted", collection: before };
            }
          }
        }
        yield* exec(sql`DELETE FROM artifact WHERE id = ${id}`);
        return { artifact: artifactJson(a), change };
      });
    },
  };
}

export type ArtifactsStore = ReturnType<typeof artifactsStore>;
