-- Work pools, their queues and their workers. A pool's default queue is made with it; deleting a pool
-- takes its queues and workers with it. Runs and deployments keep their queue's id (the store clears it
-- when the queue goes), as Prefect's ON DELETE SET NULL does.
CREATE TABLE work_pool (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL,
  base_job_template JSONB NOT NULL DEFAULT '{}',
  is_paused BOOLEAN NOT NULL DEFAULT false,
  default_queue_id UUID,
  concurrency_limit INTEGER,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  last_transitioned_status_at TIMESTAMP WITH TIME ZONE,
  last_status_event_id UUID,
  storage_configuration JSONB NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX uq_work_pool__name ON work_pool (name);
CREATE INDEX ix_work_pool__type ON work_pool (type);

CREATE TABLE work_queue (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_paused BOOLEAN NOT NULL DEFAULT false,
  concurrency_limit INTEGER,
  priority INTEGER NOT NULL,
  last_polled TIMESTAMP WITH TIME ZONE,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  filter JSONB,
  work_pool_id UUID NOT NULL REFERENCES work_pool(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_work_queue__work_pool_id_name ON work_queue (work_pool_id, name);
CREATE INDEX ix_work_queue__work_pool_id_priority ON work_queue (work_pool_id, priority);
CREATE INDEX ix_work_queue__name ON work_queue (name);

CREATE TABLE worker (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  work_pool_id UUID NOT NULL REFERENCES work_pool(id) ON DELETE CASCADE,
  last_heartbeat_time TIMESTAMP WITH TIME ZONE NOT NULL,
  heartbeat_interval_seconds INTEGER,
  status TEXT NOT NULL DEFAULT 'OFFLINE'
);
CREATE UNIQUE INDEX uq_worker__work_pool_id_name ON worker (work_pool_id, name);
CREATE INDEX ix_worker__work_pool_id_last_heartbeat_time ON worker (work_pool_id, last_heartbeat_time);

-- Workers poll a pool's queues for their next Scheduled runs and count the runs holding a slot: a few
-- index entries per queue instead of every run.
CREATE INDEX ix_flow_run__work_queue_scheduled ON flow_run (work_queue_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
CREATE INDEX ix_flow_run__work_queue_active ON flow_run (work_queue_id)
  WHERE state_type IN ('PENDING', 'RUNNING', 'CANCELLING');
-- Polls mark the deployments of the polled queues READY.
CREATE INDEX ix_deployment__work_queue_id ON deployment (work_queue_id);
