-- Core schema: flows, flow runs and their states, task runs and their states, the task cache, logs.
-- Trigram indexes make the name "like_" filters fast; the extension lives in public so every schema can use it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE TABLE flow (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL UNIQUE,
  tags JSONB NOT NULL DEFAULT '[]',
  labels JSONB NOT NULL DEFAULT '{}'
);

CREATE TABLE flow_run (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  state_type TEXT,
  state_name TEXT,
  state_timestamp TIMESTAMP WITH TIME ZONE,
  state_id UUID,
  run_count INTEGER NOT NULL DEFAULT 0,
  expected_start_time TIMESTAMP WITH TIME ZONE,
  next_scheduled_start_time TIMESTAMP WITH TIME ZONE,
  start_time TIMESTAMP WITH TIME ZONE,
  end_time TIMESTAMP WITH TIME ZONE,
  total_run_time DOUBLE PRECISION NOT NULL DEFAULT 0,
  empirical_policy JSONB NOT NULL DEFAULT '{}',
  tags JSONB NOT NULL DEFAULT '[]',
  labels JSONB NOT NULL DEFAULT '{}',
  flow_id UUID NOT NULL REFERENCES flow(id) ON DELETE CASCADE,
  flow_version TEXT,
  deployment_id UUID,
  deployment_version TEXT,
  work_queue_name TEXT,
  work_queue_id UUID,
  parameters JSONB NOT NULL DEFAULT '{}',
  idempotency_key TEXT,
  context JSONB NOT NULL DEFAULT '{}',
  created_by JSONB,
  infrastructure_pid TEXT,
  infrastructure_document_id UUID,
  job_variables JSONB NOT NULL DEFAULT '{}',
  parent_task_run_id UUID,
  auto_scheduled BOOLEAN NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX uq_flow_run__flow_id_idempotency_key ON flow_run (flow_id, idempotency_key);
CREATE INDEX ix_flow_run__flow_id ON flow_run (flow_id);
CREATE INDEX ix_flow_run__state_type ON flow_run (state_type);
CREATE INDEX ix_flow_run__expected_start_time_desc ON flow_run (expected_start_time);
CREATE INDEX ix_flow_run__start_time ON flow_run (start_time);
CREATE INDEX ix_flow_run__next_scheduled_start_time ON flow_run (next_scheduled_start_time);
CREATE INDEX ix_flow_run__name ON flow_run (name);
CREATE INDEX ix_flow_run__parent_task_run_id ON flow_run (parent_task_run_id);
CREATE INDEX ix_flow_run__deployment_id ON flow_run (deployment_id);
CREATE INDEX ix_flow_run__updated ON flow_run (updated);

CREATE TABLE flow_run_state (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  type TEXT NOT NULL,
  timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  message TEXT,
  state_details JSONB NOT NULL DEFAULT '{}',
  data JSONB,
  flow_run_id UUID NOT NULL REFERENCES flow_run(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_flow_run_state__flow_run_id_timestamp ON flow_run_state (flow_run_id, timestamp);

CREATE TABLE task_run (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  state_type TEXT,
  state_name TEXT,
  state_timestamp TIMESTAMP WITH TIME ZONE,
  state_id UUID,
  run_count INTEGER NOT NULL DEFAULT 0,
  expected_start_time TIMESTAMP WITH TIME ZONE,
  next_scheduled_start_time TIMESTAMP WITH TIME ZONE,
  start_time TIMESTAMP WITH TIME ZONE,
  end_time TIMESTAMP WITH TIME ZONE,
  total_run_time DOUBLE PRECISION NOT NULL DEFAULT 0,
  empirical_policy JSONB NOT NULL DEFAULT '{}',
  tags JSONB NOT NULL DEFAULT '[]',
  labels JSONB NOT NULL DEFAULT '{}',
  flow_run_id UUID REFERENCES flow_run(id) ON DELETE CASCADE,
  task_key TEXT NOT NULL,
  dynamic_key TEXT NOT NULL,
  cache_key TEXT,
  cache_expiration TIMESTAMP WITH TIME ZONE,
  task_version TEXT,
  flow_run_run_count INTEGER NOT NULL DEFAULT 0,
  task_inputs JSONB NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX uq_task_run__flow_run_id_task_key_dynamic_key ON task_run (flow_run_id, task_key, dynamic_key);
CREATE INDEX ix_task_run__flow_run_id ON task_run (flow_run_id);
CREATE INDEX ix_task_run__state_type ON task_run (state_type);
CREATE INDEX ix_task_run__expected_start_time ON task_run (expected_start_time);
CREATE INDEX ix_task_run__name ON task_run (name);
CREATE INDEX ix_task_run__updated ON task_run (updated);

CREATE TABLE task_run_state (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  type TEXT NOT NULL,
  timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  message TEXT,
  state_details JSONB NOT NULL DEFAULT '{}',
  data JSONB,
  task_run_id UUID NOT NULL REFERENCES task_run(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_task_run_state__task_run_id_timestamp ON task_run_state (task_run_id, timestamp);

CREATE TABLE task_run_state_cache (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  cache_key TEXT NOT NULL,
  cache_expiration TIMESTAMP WITH TIME ZONE,
  task_run_state_id UUID NOT NULL
);
CREATE INDEX ix_task_run_state_cache__cache_key_created ON task_run_state_cache (cache_key, created);

CREATE TABLE log (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  level INTEGER NOT NULL,
  flow_run_id UUID,
  task_run_id UUID,
  message TEXT NOT NULL,
  timestamp TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_log__flow_run_id_timestamp ON log (flow_run_id, timestamp);
CREATE INDEX ix_log__task_run_id ON log (task_run_id);
CREATE INDEX ix_log__timestamp ON log (timestamp);
CREATE INDEX trgm_ix_flow_name ON flow USING gin (name public.gin_trgm_ops);
CREATE INDEX trgm_ix_flow_run_name ON flow_run USING gin (name public.gin_trgm_ops);
CREATE INDEX trgm_ix_task_run_name ON task_run USING gin (name public.gin_trgm_ops);
