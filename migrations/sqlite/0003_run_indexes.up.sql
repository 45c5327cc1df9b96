-- Indexes for the dashboard and the time-windowed run queries at a million runs: counts by state over a
-- window and the run-history buckets read only this covering index; late runs are found by name.
CREATE INDEX ix_flow_run__expected_start_time_state ON flow_run (expected_start_time, state_type, state_name, total_run_time, start_time);
CREATE INDEX ix_flow_run__state_name_expected_start_time ON flow_run (state_name, expected_start_time);
CREATE INDEX ix_task_run__expected_start_time_state ON task_run (expected_start_time, state_type);
