-- Deployments and their schedules; scheduled runs remember the schedule that made them.
CREATE TABLE deployment (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  flow_id UUID NOT NULL REFERENCES flow(id) ON DELETE CASCADE,
  version TEXT,
  version_info JSONB,
  description TEXT,
  paused BOOLEAN NOT NULL DEFAULT false,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  last_polled TIMESTAMP WITH TIME ZONE,
  concurrency_limit INTEGER,
  concurrency_options JSONB,
  global_concurrency_limit_id UUID,
  job_variables JSONB NOT NULL DEFAULT '{}',
  parameters JSONB NOT NULL DEFAULT '{}',
  parameter_openapi_schema JSONB,
  enforce_parameter_schema BOOLEAN NOT NULL DEFAULT true,
  tags JSONB NOT NULL DEFAULT '[]',
  labels JSONB NOT NULL DEFAULT '{}',
  work_queue_name TEXT,
  work_queue_id UUID,
  path TEXT,
  entrypoint TEXT,
  pull_steps JSONB,
  storage_document_id UUID,
  infrastructure_document_id UUID,
  created_by JSONB,
  updated_by JSONB
);
CREATE UNIQUE INDEX uq_deployment__flow_id_name ON deployment (flow_id, name);
CREATE INDEX ix_deployment__name ON deployment (name);
CREATE INDEX ix_deployment__updated ON deployment (updated);

CREATE TABLE deployment_schedule (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  deployment_id UUID NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
  schedule JSONB NOT NULL,
  active BOOLEAN NOT NULL DEFAULT true,
  max_scheduled_runs INTEGER,
  parameters JSONB NOT NULL DEFAULT '{}',
  slug TEXT
);
CREATE INDEX ix_deployment_schedule__deployment_id ON deployment_schedule (deployment_id);
CREATE UNIQUE INDEX uq_deployment_schedule__deployment_id_slug ON deployment_schedule (deployment_id, slug);

-- The scheduler asks, per schedule, whether its next few runs exist and how far ahead they reach: a
-- few index entries per schedule instead of reading every scheduled run.
ALTER TABLE flow_run ADD COLUMN deployment_schedule_id UUID;
CREATE INDEX ix_flow_run__schedule_next ON flow_run (deployment_schedule_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
