CREATE INDEX ix_flow_run__work_queue_active ON flow_run (work_queue_id)
  WHERE state_type IN ('PENDING', 'RUNNING', 'CANCELLING');
DROP INDEX ix_flow_run__work_queue_id_state_type;
