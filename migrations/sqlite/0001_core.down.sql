DROP TABLE log;
DROP TABLE task_run_state_cache;
DROP TABLE task_run_state;
DROP TABLE flow_run_state;
DROP TABLE task_run;
DROP TABLE flow_run;
DROP TABLE flow;
