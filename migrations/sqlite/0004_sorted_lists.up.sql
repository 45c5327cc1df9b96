-- Run lists sorted by start time (Prefect's START_TIME sort: coalesce(start_time, expected_start_time),
-- then id) read an index in order and stop after a page, whole or within one state or one deployment,
-- instead of sorting every match (0.3–0.5 s at a million runs). The (state_type) and (deployment_id)
-- indexes are prefixes of the new ones. Task runs counted over a start-time window read one index.
CREATE INDEX ix_flow_run__start_sort ON flow_run (coalesce(start_time, expected_start_time), id);
CREATE INDEX ix_flow_run__state_type_start_sort ON flow_run (state_type, coalesce(start_time, expected_start_time), id);
CREATE INDEX ix_flow_run__deployment_id_start_sort ON flow_run (deployment_id, coalesce(start_time, expected_start_time), id);
DROP INDEX ix_flow_run__state_type;
DROP INDEX ix_flow_run__deployment_id;
CREATE INDEX ix_task_run__start_time_state ON task_run (start_time, state_type);
