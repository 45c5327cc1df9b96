DROP INDEX ix_flow_run__schedule_next;
ALTER TABLE flow_run DROP COLUMN deployment_schedule_id;
DROP TABLE deployment_schedule;
DROP TABLE deployment;
