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

-- A trigger's counting window per bucketing key (Prefect's automation_bucket), written in the same
-- transaction as the events it counts, so a restart neither loses a half-counted window nor counts an
-- event twice.
CREATE TABLE automation_bucket (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  trigger_id TEXT NOT NULL,
  bucketing_key TEXT NOT NULL,
  start TEXT NOT NULL,
  "end" TEXT NOT NULL,
  count INTEGER NOT NULL,
  last_event TEXT
);
CREATE UNIQUE INDEX uq_automation_bucket__automation_id_trigger_id_bucketing_key
  ON automation_bucket (automation_id, trigger_id, bucketing_key);

-- The durable queue of triggered actions: one row per action of a firing, queued in the transaction
-- that fired it and delivered at least once by the actions service, with one attempt row per try.
CREATE TABLE automation_action (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  action_index INTEGER NOT NULL,
  action TEXT NOT NULL,
  triggered TEXT NOT NULL,
  triggering_labels TEXT NOT NULL,
  triggering_event TEXT,
  automation_triggered_event_id TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt TEXT NOT NULL,
  last_error TEXT
);
CREATE INDEX ix_automation_action__status_next_attempt ON automation_action (status, next_attempt);
CREATE INDEX ix_automation_action__automation_id_triggered ON automation_action (automation_id, triggered);

CREATE TABLE automation_action_attempt (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  action_id TEXT NOT NULL REFERENCES automation_action(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  response_code INTEGER,
  error TEXT,
  duration_ms REAL NOT NULL
);
CREATE INDEX ix_automation_action_attempt__action_id ON automation_action_attempt (action_id);
