// Artifact request models (Prefect's ArtifactCreate / ArtifactUpdate) and Prefect's rules: a key of
// lowercase letters, digits and dashes; metadata_ of string values, each cut to 500 characters and "..."
// (validate_max_metadata_length). data is any JSON: markdown, a table as JSON text, a link's markdown,
// an image URL, a progress number, or whatever a newer client sends under another type.
import { type Static, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import { Nullable, StringMap, Uuid } from "./common.ts";

const MAX_METADATA_VALUE = 500;
const KEY = /^[a-z0-9-]*$/;
const Metadata = StringMap(t.String());

export const ArtifactCreateModel = t.Object(
  {
    key: t.Optional(Nullable(t.String({ maxLength: 10_000 }))),
    type: t.Optional(Nullable(t.String({ maxLength: 10_000 }))),
    description: t.Optional(Nullable(t.String())),
    data: t.Optional(t.Unknown()),
    metadata_: t.Optional(Nullable(Metadata)),
    flow_run_id: t.Optional(Nullable(Uuid)),
    task_run_id: t.Optional(Nullable(Uuid)),
  },
  // Prefect's action models forbid other keys.
  { additionalProperties: false },
);

export const ArtifactUpdateModel = t.Object(
  {
    data: t.Optional(t.Unknown()),
    description: t.Optional(Nullable(t.String())),
    metadata_: t.Optional(Nullable(Metadata)),
  },
  { additionalProperties: false },
);

export type ArtifactCreateBody = Static<typeof ArtifactCreateModel>;
export type ArtifactUpdateBody = Static<typeof ArtifactUpdateModel>;

export interface ArtifactInput {
  key: string | null;
  type: string | null;
  description: string | null;
  data: unknown;
  metadata_: Record<string, string> | null;
  flow_run_id: string | null;
  task_run_id: string | null;
}

/** The fields an update names (absent: unchanged). */
export type ArtifactPatch = Partial<Pick<ArtifactInput, "data" | "description" | "metadata_">>;

export function checkArtifactKey(key: string): string {
  if (!KEY.test(key)) {
    const msg = "Artifact key must only contain lowercase letters, numbers, and dashes.";
    throw invalidFields(msg, [{ path: ["key"], msg: `Value error, ${msg}`, type: "value_error" }]);
  }
  return key;
}

function metadataOf(m: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!m) return m ?? null;
  return Object.fromEntries(
    Object.entries(m).map(([k, v]) => [k, v.length > MAX_METADATA_VALUE ? `${v.slice(0, MAX_METADATA_VALUE)}...` : v]),
  );
}

export function artifactInputOf(b: ArtifactCreateBody): ArtifactInput {
  return {
    key: b.key === undefined || b.key === null ? null : checkArtifactKey(b.key),
    type: b.type ?? null,
    description: b.description ?? null,
    data: b.data ?? null,
    metadata_: metadataOf(b.metadata_),
    flow_run_id: b.flow_run_id ?? null,
    task_run_id: b.task_run_id ?? null,
  };
}

/** As Prefect's model_dump_for_orm(exclude_unset=True): every key sent is written, null included. */
export function artifactPatchOf(b: ArtifactUpdateBody): ArtifactPatch {
  const patch: ArtifactPatch = {};
  if ("data" in b) patch.data = b.data ?? null;
  if ("description" in b) patch.description = b.description ?? null;
  if ("metadata_" in b) patch.metadata_ = metadataOf(b.metadata_);
  return patch;
}
