-- Runs by queue and state: the slot counts of pools and queues (Pending, Running, Cancelling), the
-- work-pool filters on runs and clearing a deleted queue's id from its runs, all without reading every
-- run. It serves what the partial index of slot-holding runs did, so that one goes.
CREATE INDEX ix_flow_run__work_queue_id_state_type ON flow_run (work_queue_id, state_type);
DROP INDEX ix_flow_run__work_queue_active;
