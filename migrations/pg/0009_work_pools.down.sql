DROP INDEX ix_deployment__work_queue_id;
DROP INDEX ix_flow_run__work_queue_active;
DROP INDEX ix_flow_run__work_queue_scheduled;
DROP TABLE worker;
DROP TABLE work_queue;
DROP TABLE work_pool;
