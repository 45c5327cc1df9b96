-- Compound and sequence triggers: each child firing a composite holds until enough of its children
-- have fired (Prefect's composite_trigger_child_firing), one row per child, the latest firing kept.
CREATE TABLE composite_trigger_child_firing (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  parent_trigger_id TEXT NOT NULL,
  child_trigger_id TEXT NOT NULL,
  child_firing_id TEXT NOT NULL,
  child_fired_at TEXT NOT NULL,
  child_firing TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_composite_trigger_child_firing__a_id__pt_id__ct_id
  ON composite_trigger_child_firing (automation_id, parent_trigger_id, child_trigger_id);

-- A Proactive trigger that fired stays triggered, per bucketing key, until its events resume: then
-- prefect.automation.resolved follows the triggered event and actions_on_resolve run, once.
CREATE TABLE automation_trigger_state (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  trigger_id TEXT NOT NULL,
  bucketing_key TEXT NOT NULL,
  triggered_at TEXT NOT NULL,
  triggered_event_id TEXT NOT NULL,
  triggering_labels TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_automation_trigger_state__a_id__t_id__bucketing_key
  ON automation_trigger_state (automation_id, trigger_id, bucketing_key);

-- The proactive loop sweeps windows that ended long ago.
CREATE INDEX ix_automation_bucket__end ON automation_bucket ("end");
