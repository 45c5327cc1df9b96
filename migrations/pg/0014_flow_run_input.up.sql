-- Keyed values sent to a flow run: a pause's input schema and the answer to it (POST /flow_runs/{id}/resume),
-- and send_input/receive_input messages. They go with their run.
CREATE TABLE flow_run_input (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  flow_run_id UUID NOT NULL REFERENCES flow_run(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  sender TEXT
);
CREATE UNIQUE INDEX uq_flow_run_input__flow_run_id_key ON flow_run_input (flow_run_id, key);
