-- The runs list's other sort orders walk an index instead of sorting the window: by end time, and by
-- start time (Prefect's START_TIME sorts on coalesce(start_time, expected_start_time)). The hourly run
-- counts SQLite keeps with triggers (see migrations/sqlite/0005) are not kept here: concurrent
-- transitions would queue on the same hour's row; PostgreSQL aggregates the dashboard's window itself.
CREATE INDEX ix_flow_run__end_time ON flow_run (end_time);
CREATE INDEX ix_flow_run__start_time_or_expected ON flow_run ((coalesce(start_time, expected_start_time)));
