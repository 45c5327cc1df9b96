DROP INDEX ix_flow_run__end_time;
