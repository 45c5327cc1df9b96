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
