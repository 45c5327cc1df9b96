// The prefect.block-type.* and prefect.block-document.* events the server emits (Prefect's
// server/events/schemas/lifecycle.py): created, updated, deleted. A document's payload carries its name,
// the string values of its data that are not secret fields (from its masked read, so no secret can
// reach an event), and its schema's capabilities with its type.
import type { ReceivedEvent } from "./bus.ts";

export type BlockChangeKind = "created" | "updated" | "deleted";

interface BlockTypeLike {
  id: string;
  name: string;
  slug: string;
  logo_url: string | null;
  documentation_url: string | null;
  description: string | null;
  code_example: string | null;
  is_protected: boolean;
}

interface BlockDocumentLike {
  id: string;
  name: string;
  data: Record<string, unknown>;
  block_type_id: string;
  block_type_name: string | null;
  block_schema_id: string;
  block_schema: { fields: Record<string, unknown>; capabilities: string[] } | null;
}

function event(
  name: string,
  resource: Record<string, string>,
  related: ReceivedEvent["related"],
  payload: Record<string, unknown>,
  now: string,
): ReceivedEvent {
  return {
    id: Bun.randomUUIDv7(),
    occurred: now,
    event: name,
    resource,
    related,
    payload,
    follows: null,
    received: now,
  };
}

export function blockTypeEvent(kind: BlockChangeKind, t: BlockTypeLike, now: string): ReceivedEvent {
  const { id: _id, ...payload } = t;
  return event(
    `prefect.block-type.${kind}`,
    { "prefect.resource.id": `prefect.block-type.${t.id}`, "prefect.resource.name": t.name },
    [],
    payload,
    now,
  );
}

export function blockDocumentEvent(kind: BlockChangeKind, d: BlockDocumentLike, now: string): ReceivedEvent {
  const secret = new Set(
    Array.isArray(d.block_schema?.fields.secret_fields) ? d.block_schema.fields.secret_fields : [],
  );
  const data = Object.fromEntries(
    Object.entries(d.data).filter(([k, v]) => !secret.has(k) && typeof v === "string" && v !== "********"),
  );
  const typeRef: Record<string, string> = {
    "prefect.resource.id": `prefect.block-type.${d.block_type_id}`,
    "prefect.resource.role": "block-type",
  };
  if (d.block_type_name) typeRef["prefect.resource.name"] = d.block_type_name;
  return event(
    `prefect.block-document.${kind}`,
    { "prefect.resource.id": `prefect.block-document.${d.id}`, "prefect.resource.name": d.name },
    [
      typeRef,
      { "prefect.resource.id": `prefect.block-schema.${d.block_schema_id}`, "prefect.resource.role": "block-schema" },
    ],
    {
      name: d.name,
      data,
      block_schema: d.block_schema
        ? {
            capabilities: d.block_schema.capabilities,
            block_type: { id: d.block_type_id, name: d.block_type_name ?? "" },
          }
        : null,
    },
    now,
  );
}
