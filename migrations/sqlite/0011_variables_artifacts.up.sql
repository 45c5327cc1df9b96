-- Variables, artifacts (with artifact_collection: the latest artifact of each key, kept by the store in
-- the transaction that writes the artifact) and the dashboard's saved searches. Artifacts name their
-- flow and task runs without a foreign key, as Prefect's do: an artifact outlives a deleted run.
CREATE TABLE variable (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT,
  tags TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX uq_variable__name ON variable (name);

CREATE TABLE artifact (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  key TEXT,
  task_run_id TEXT,
  flow_run_id TEXT,
  type TEXT,
  data TEXT,
  description TEXT,
  metadata_ TEXT
);
-- A key's history, newest first, read backwards (the dashboard's artifact page, and the next latest when one is deleted).
CREATE INDEX ix_artifact__key_created ON artifact (key, created);
CREATE INDEX ix_artifact__flow_run_id ON artifact (flow_run_id);
CREATE INDEX ix_artifact__task_run_id ON artifact (task_run_id);

CREATE TABLE artifact_collection (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  key TEXT NOT NULL,
  latest_id TEXT NOT NULL,
  task_run_id TEXT,
  flow_run_id TEXT,
  type TEXT,
  data TEXT,
  description TEXT,
  metadata_ TEXT
);
CREATE UNIQUE INDEX uq_artifact_collection__key ON artifact_collection (key);
CREATE INDEX ix_artifact_collection__latest_id ON artifact_collection (latest_id);

CREATE TABLE saved_search (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  filters TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX uq_saved_search__name ON saved_search (name);
