-- Persisted events (deduplicated by id) and the resources they name, for /events/filter and the recorder.
CREATE TABLE events (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  occurred TEXT NOT NULL,
  event TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  related_resource_ids TEXT NOT NULL DEFAULT '[]',
  related TEXT NOT NULL DEFAULT '[]',
  payload TEXT NOT NULL DEFAULT '{}',
  received TEXT NOT NULL,
  recorded TEXT NOT NULL,
  follows TEXT
);
CREATE INDEX ix_events__occurred ON events (occurred);
CREATE INDEX ix_events__event_occurred ON events (event, occurred);
CREATE INDEX ix_events__resource_id_occurred ON events (resource_id, occurred);

CREATE TABLE event_resources (
  id TEXT PRIMARY KEY NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  occurred TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  resource_role TEXT NOT NULL,
  resource TEXT NOT NULL,
  event_id TEXT NOT NULL
);
CREATE INDEX ix_event_resources__resource_id_occurred ON event_resources (resource_id, occurred);
