-- Blocks: types (unique slug; names may repeat, as in Prefect), schemas (one per checksum and version,
-- the fields as the client sent them), documents (unique name per type; data as given, secrets
-- included: the API masks them on read) and the references a document's fields make to other documents
-- (resolved on read). Deleting a type takes its schemas and documents; deleting a document takes the
-- references to and from it.
CREATE TABLE block_type (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  logo_url TEXT,
  documentation_url TEXT,
  description TEXT,
  code_example TEXT,
  is_protected INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_block_type__name ON block_type (name);
CREATE UNIQUE INDEX uq_block_type__slug ON block_type (slug);

CREATE TABLE block_schema (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  checksum TEXT NOT NULL,
  fields TEXT NOT NULL DEFAULT '{}',
  capabilities TEXT NOT NULL DEFAULT '[]',
  version TEXT NOT NULL,
  block_type_id TEXT NOT NULL REFERENCES block_type(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_block_schema__checksum_version ON block_schema (checksum, version);
CREATE INDEX ix_block_schema__block_type_id ON block_schema (block_type_id);
CREATE INDEX ix_block_schema__created ON block_schema (created);

CREATE TABLE block_document (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  is_anonymous INTEGER NOT NULL DEFAULT 0,
  block_type_name TEXT,
  block_type_id TEXT NOT NULL REFERENCES block_type(id) ON DELETE CASCADE,
  block_schema_id TEXT NOT NULL REFERENCES block_schema(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_block_document__block_type_id_name ON block_document (block_type_id, name);
CREATE INDEX ix_block_document__name ON block_document (name);
CREATE INDEX ix_block_document__block_type_name__name ON block_document (block_type_name, name);
CREATE INDEX ix_block_document__block_schema_id ON block_document (block_schema_id);
CREATE INDEX ix_block_document__is_anonymous ON block_document (is_anonymous);

CREATE TABLE block_document_reference (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  parent_block_document_id TEXT NOT NULL REFERENCES block_document(id) ON DELETE CASCADE,
  reference_block_document_id TEXT NOT NULL REFERENCES block_document(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_block_document_reference__parent_name
  ON block_document_reference (parent_block_document_id, name);
CREATE INDEX ix_block_document_reference__reference ON block_document_reference (reference_block_document_id);
