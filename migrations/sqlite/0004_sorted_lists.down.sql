DROP INDEX ix_task_run__start_time_state;
CREATE INDEX ix_flow_run__deployment_id ON flow_run (deployment_id);
CREATE INDEX ix_flow_run__state_type ON flow_run (state_type);
DROP INDEX ix_flow_run__deployment_id_start_sort;
DROP INDEX ix_flow_run__state_type_start_sort;
DROP INDEX ix_flow_run__start_sort;
