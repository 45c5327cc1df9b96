// Block type, block schema and block document request models (Prefect's BlockTypeCreate/Update,
// BlockSchemaCreate, BlockDocumentCreate/Update), Prefect's name rules for them, the store's input
// types, and the secret-field rules: which paths of a document's data a schema marks secret, how they
// are masked on read and how a masked value sent back keeps the stored one.
import { type Static, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import { Nullable, Obj, Uuid } from "./common.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(Nullable(s));
const Text = t.String({ maxLength: 100_000 });

/** Prefect's DEFAULT_BLOCK_SCHEMA_VERSION. */
export const DEFAULT_BLOCK_SCHEMA_VERSION = "non-versioned";
/** What Prefect's obfuscate() makes of any secret value (show_tail is never set for blocks). */
export const OBFUSCATED = "********";

export const BlockTypeCreateModel = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 1_000 }),
    slug: t.String({ maxLength: 1_000 }),
    logo_url: opt(Text),
    documentation_url: opt(Text),
    description: opt(Text),
    code_example: opt(Text),
  },
  { additionalProperties: true },
);

export const BlockTypeUpdateModel = t.Object(
  { logo_url: opt(Text), documentation_url: opt(Text), description: opt(Text), code_example: opt(Text) },
  { additionalProperties: true },
);

export const BlockSchemaCreateModel = t.Object(
  {
    fields: t.Optional(Obj),
    block_type_id: Uuid,
    capabilities: t.Optional(t.Array(t.String({ maxLength: 1_000 }), { maxItems: 1_000 })),
    version: t.Optional(t.String({ minLength: 1, maxLength: 1_000 })),
  },
  { additionalProperties: true },
);

export const BlockDocumentCreateModel = t.Object(
  {
    name: opt(t.String({ maxLength: 1_000 })),
    data: t.Optional(Obj),
    block_schema_id: Uuid,
    block_type_id: Uuid,
    is_anonymous: t.Optional(t.Boolean()),
  },
  { additionalProperties: true },
);

export const BlockDocumentUpdateModel = t.Object(
  { block_schema_id: opt(Uuid), data: t.Optional(Obj), merge_existing_data: t.Optional(t.Boolean()) },
  { additionalProperties: true },
);

export type BlockTypeCreateBody = Static<typeof BlockTypeCreateModel>;
export type BlockTypeUpdateBody = Static<typeof BlockTypeUpdateModel>;
export type BlockSchemaCreateBody = Static<typeof BlockSchemaCreateModel>;
export type BlockDocumentCreateBody = Static<typeof BlockDocumentCreateModel>;
export type BlockDocumentUpdateBody = Static<typeof BlockDocumentUpdateModel>;

export interface BlockTypeInput {
  name: string;
  slug: string;
  logo_url: string | null;
  documentation_url: string | null;
  description: string | null;
  code_example: string | null;
  is_protected: boolean;
}

export interface BlockSchemaInput {
  fields: Record<string, unknown>;
  block_type_id: string;
  capabilities: string[];
  version: string;
}

export interface BlockDocumentInput {
  name: string | null;
  data: Record<string, unknown>;
  block_schema_id: string;
  block_type_id: string;
  is_anonymous: boolean;
}

export interface BlockDocumentPatch {
  block_schema_id: string | null;
  data: Record<string, unknown>;
  merge_existing_data: boolean;
}

const BANNED = /[/%&><]/;
const SLUGGISH = /^[a-z0-9-]*$/;

const fail = (field: string, msg: string): never => {
  throw invalidFields(msg, [{ path: [field], msg: `Value error, ${msg}`, type: "value_error" }]);
};

/** Prefect's Name: none of / % & > <. */
export function checkBlockName(name: string, field = "name"): string {
  if (!name.length || BANNED.test(name))
    fail(field, `Name "${name}" contains an invalid character. Must not contain any of: / % & > <.`);
  return name;
}

/** Prefect's BlockTypeSlug: lowercase letters, numbers and dashes. */
export function checkBlockTypeSlug(slug: string): string {
  if (!SLUGGISH.test(slug)) fail("slug", "Block type slug must only contain lowercase letters, numbers, and dashes.");
  return slug;
}

/** Prefect's BlockDocumentName (a Name of lowercase letters, numbers and dashes), required unless anonymous. */
export function checkBlockDocumentName(name: string | null | undefined, anonymous: boolean): string | null {
  if (!anonymous && !name) fail("name", "Names must be provided for block documents.");
  if (name === null || name === undefined || name === "") return null;
  checkBlockName(name);
  if (!SLUGGISH.test(name))
    fail("name", "Block document name must only contain lowercase letters, numbers, and dashes.");
  return name;
}

// ---------------------------------------------------------------------------------------------------
// Secrets

type Data = Record<string, unknown>;
const isObject = (v: unknown): v is Data => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The schema's secret_fields ("password", "auth.token", "headers.*"), as paths. Prefect's SDK lists
 * every SecretStr, SecretBytes and SecretDict field, nested models included, with "*" for a dict's keys.
 */
export function secretPaths(fields: Record<string, unknown> | null | undefined): string[][] {
  const list = fields?.secret_fields;
  if (!Array.isArray(list)) return [];
  return [...new Set(list.filter((s): s is string => typeof s === "string" && s.length > 0))].map((s) => s.split("."));
}

/**
 * A copy of `data` with every value at a secret path replaced by `********` (null values stay null, as
 * Prefect leaves them). A value that is itself an object or a list is masked whole, so no part of a
 * secret dict escapes however deep it is.
 */
export function maskSecrets(data: Data, paths: string[][]): Data {
  if (!paths.length) return data;
  const out = structuredClone(data);
  const walk = (node: unknown, path: string[]) => {
    if (!isObject(node) || !path.length) return;
    const [head, ...rest] = path as [string, ...string[]];
    const keys = head === "*" ? Object.keys(node) : Object.hasOwn(node, head) ? [head] : [];
    for (const k of keys) {
      if (rest.length && isObject(node[k])) walk(node[k], rest);
      else if (!rest.length || (rest.length === 1 && rest[0] === "*")) {
        if (node[k] !== null && node[k] !== undefined) node[k] = OBFUSCATED;
      }
    }
  };
  for (const p of paths) walk(out, p);
  return out;
}

/**
 * Prefect's rule on update: a secret sent back as `********` (what a read returned) keeps the value
 * stored at that path, so saving a form or a loaded block unchanged never overwrites a secret with
 * its mask.
 */
export function restoreMaskedSecrets(update: Data, current: Data, paths: string[][]): Data {
  if (!paths.length) return update;
  const out = structuredClone(update);
  const walk = (next: unknown, cur: unknown, path: string[]) => {
    if (!isObject(next) || !isObject(cur) || !path.length) return;
    const [head, ...rest] = path as [string, ...string[]];
    const keys = head === "*" ? Object.keys(next) : Object.hasOwn(next, head) ? [head] : [];
    for (const k of keys) {
      if (!Object.hasOwn(cur, k)) continue;
      if (next[k] === OBFUSCATED) next[k] = structuredClone(cur[k]);
      else if (rest.length) walk(next[k], cur[k], rest);
    }
  };
  for (const p of paths) walk(out, current, p);
  return out;
}
