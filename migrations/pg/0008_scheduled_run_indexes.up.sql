-- Scheduled runs by deployment and by flow, soonest first: runners and workers poll for a few
-- deployments' next runs every few seconds, and the flows list shows each flow's next run
-- (/ui/flows/next-runs). Without these both read every Scheduled run.
CREATE INDEX ix_flow_run__deployment_scheduled ON flow_run (deployment_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
CREATE INDEX ix_flow_run__flow_scheduled ON flow_run (flow_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
