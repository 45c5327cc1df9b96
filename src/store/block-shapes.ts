// Rows → the JSON Prefect returns for block types, block schemas and block documents (BlockType,
// BlockSchema with its block_type, BlockDocument with its schema, type and resolved references).
import type { Row } from "../db/driver.ts";

export function blockTypeJson(r: Row) {
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    name: r.name as string,
    slug: r.slug as string,
    logo_url: (r.logo_url as string | null) ?? null,
    documentation_url: (r.documentation_url as string | null) ?? null,
    description: (r.description as string | null) ?? null,
    code_example: (r.code_example as string | null) ?? null,
    is_protected: Boolean(r.is_protected),
  };
}

export type BlockTypeJson = ReturnType<typeof blockTypeJson>;

export function blockSchemaJson(r: Row, type: BlockTypeJson | null) {
  return {
    id: r.id as string,
    created: r.created as string,
    updated: r.updated as string,
    checksum: r.checksum as string,
    fields: (r.fields as Record<string, unknown>) ?? {},
    block_type_id: r.block_type_id as string,
    block_type: type,
    capabilities: (r.capabilities as string[]) ?? [],
    version: r.version as string,
  };
}

export type BlockSchemaJson = ReturnType<typeof blockSchemaJson>;

/** A nested document as Prefect records it under block_document_references. */
export interface BlockReferenceJson {
  block_document: {
    id: string;
    name: string;
    block_type: BlockTypeJson | null;
    is_anonymous: boolean;
    block_document_references: Record<string, BlockReferenceJson>;
  };
}

export interface BlockDocumentJson {
  id: string;
  created: string;
  updated: string;
  name: string;
  data: Record<string, unknown>;
  block_schema_id: string;
  block_schema: BlockSchemaJson | null;
  block_type_id: string;
  block_type_name: string | null;
  block_type: BlockTypeJson | null;
  block_document_references: Record<string, BlockReferenceJson>;
  is_anonymous: boolean;
}
