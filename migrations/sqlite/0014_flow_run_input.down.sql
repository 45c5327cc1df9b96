DROP INDEX uq_flow_run_input__flow_run_id_key;
DROP TABLE flow_run_input;
