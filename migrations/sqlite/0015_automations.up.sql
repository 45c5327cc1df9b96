-- Automations: a trigger and its actions stored as JSON documents (Prefect's own wire shapes, checked
-- by schemas/automations.ts), and the resources an automation relates to: the deployments its
-- run-deployment actions select, and the one resource that owns it (flow.serve() deletes by owner).
CREATE TABLE automation (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  tags TEXT NOT NULL DEFAULT '[]',
  trigger TEXT NOT NULL,
  actions TEXT NOT NULL DEFAULT '[]',
  actions_on_trigger TEXT NOT NULL DEFAULT '[]',
  actions_on_resolve TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_automation__name ON automation (name);

CREATE TABLE automation_related_resource (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  resource_id TEXT NOT NULL,
  automation_owned_by_resource INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_automation_related_resource__automation_id_resource_id
  ON automation_related_resource (automation_id, resource_id);
CREATE INDEX ix_automation_related_resource__resource_id ON automation_related_resource (resource_id);
