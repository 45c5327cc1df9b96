-- Deployments and their schedules; scheduled runs remember the schedule that made them.
CREATE TABLE deployment (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  flow_id TEXT NOT NULL REFERENCES flow(id) ON DELETE CASCADE,
  version TEXT,
  version_info TEXT,
  description TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  last_polled TEXT,
  concurrency_limit INTEGER,
  concurrency_options TEXT,
  global_concurrency_limit_id TEXT,
  job_variables TEXT NOT NULL DEFAULT '{}',
  parameters TEXT NOT NULL DEFAULT '{}',
  parameter_openapi_schema TEXT,
  enforce_parameter_schema INTEGER NOT NULL DEFAULT 1,
  tags TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  work_queue_name TEXT,
  work_queue_id TEXT,
  path TEXT,
  entrypoint TEXT,
  pull_steps TEXT,
  storage_document_id TEXT,
  infrastructure_document_id TEXT,
  created_by TEXT,
  updated_by TEXT
);
CREATE UNIQUE INDEX uq_deployment__flow_id_name ON deployment (flow_id, name);
CREATE INDEX ix_deployment__name ON deployment (name);
CREATE INDEX ix_deployment__updated ON deployment (updated);

CREATE TABLE deployment_schedule (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  deployment_id TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
  schedule TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  max_scheduled_runs INTEGER,
  parameters TEXT NOT NULL DEFAULT '{}',
  slug TEXT
);
CREATE INDEX ix_deployment_schedule__deployment_id ON deployment_schedule (deployment_id);
CREATE UNIQUE INDEX uq_deployment_schedule__deployment_id_slug ON deployment_schedule (deployment_id, slug);

-- The scheduler asks, per schedule, whether its next few runs exist and how far ahead they reach: a
-- few index entries per schedule instead of reading every scheduled run.
ALTER TABLE flow_run ADD COLUMN deployment_schedule_id TEXT;
CREATE INDEX ix_flow_run__schedule_next ON flow_run (deployment_schedule_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
