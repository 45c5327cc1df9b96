-- The runs list sorted by end time walks an index instead of sorting the window (the START_TIME sorts
-- have 0004's ix_flow_run__start_sort). The hourly run
-- counts SQLite keeps with triggers (see migrations/sqlite/0005) are not kept here: concurrent
-- transitions would queue on the same hour's row; PostgreSQL aggregates the dashboard's window itself.
CREATE INDEX ix_flow_run__end_time ON flow_run (end_time);
