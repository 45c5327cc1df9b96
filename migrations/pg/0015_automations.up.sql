-- Automations: a trigger and its actions stored as JSON documents (Prefect's own wire shapes, checked
-- by schemas/automations.ts), and the resources an automation relates to: the deployments its
-- run-deployment actions select, and the one resource that owns it (flow.serve() deletes by owner).
CREATE TABLE automation (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled BOOLEAN NOT NULL DEFAULT true,
  tags JSONB NOT NULL DEFAULT '[]',
  trigger JSONB NOT NULL,
  actions JSONB NOT NULL DEFAULT '[]',
  actions_on_trigger JSONB NOT NULL DEFAULT '[]',
  actions_on_resolve JSONB NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_automation__name ON automation (name);

CREATE TABLE automation_related_resource (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  automation_id UUID NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  resource_id TEXT NOT NULL,
  automation_owned_by_resource BOOLEAN NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX uq_automation_related_resource__automation_id_resource_id
  ON automation_related_resource (automation_id, resource_id);
CREATE INDEX ix_automation_related_resource__resource_id ON automation_related_resource (resource_id);

-- A trigger's counting window per bucketing key (Prefect's automation_bucket), written in the same
-- transaction as the events it counts, so a restart neither loses a half-counted window nor counts an
-- event twice.
CREATE TABLE automation_bucket (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  automation_id UUID NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  trigger_id TEXT NOT NULL,
  bucketing_key TEXT NOT NULL,
  start TIMESTAMP WITH TIME ZONE NOT NULL,
  "end" TIMESTAMP WITH TIME ZONE NOT NULL,
  count INTEGER NOT NULL,
  last_event JSONB
);
CREATE UNIQUE INDEX uq_automation_bucket__automation_id_trigger_id_bucketing_key
  ON automation_bucket (automation_id, trigger_id, bucketing_key);

-- The durable queue of triggered actions: one row per action of a firing, queued in the transaction
-- that fired it and delivered at least once by the actions service, with one attempt row per try.
CREATE TABLE automation_action (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  automation_id UUID NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  action_index INTEGER NOT NULL,
  action JSONB NOT NULL,
  triggered TIMESTAMP WITH TIME ZONE NOT NULL,
  triggering_labels JSONB NOT NULL,
  triggering_event JSONB,
  automation_triggered_event_id UUID,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt TIMESTAMP WITH TIME ZONE NOT NULL,
  last_error TEXT
);
CREATE INDEX ix_automation_action__status_next_attempt ON automation_action (status, next_attempt);
CREATE INDEX ix_automation_action__automation_id_triggered ON automation_action (automation_id, triggered);

CREATE TABLE automation_action_attempt (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  action_id UUID NOT NULL REFERENCES automation_action(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  response_code INTEGER,
  error TEXT,
  duration_ms DOUBLE PRECISION NOT NULL
);
CREATE INDEX ix_automation_action_attempt__action_id ON automation_action_attempt (action_id);
