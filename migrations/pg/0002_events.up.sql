-- Persisted events (deduplicated by id) and the resources they name, for /events/filter and the recorder.
CREATE TABLE events (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  occurred TIMESTAMP WITH TIME ZONE NOT NULL,
  event TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  resource JSONB NOT NULL,
  related_resource_ids JSONB NOT NULL DEFAULT '[]',
  related JSONB NOT NULL DEFAULT '[]',
  payload JSONB NOT NULL DEFAULT '{}',
  received TIMESTAMP WITH TIME ZONE NOT NULL,
  recorded TIMESTAMP WITH TIME ZONE NOT NULL,
  follows UUID
);
CREATE INDEX ix_events__occurred ON events (occurred);
CREATE INDEX ix_events__event_occurred ON events (event, occurred);
CREATE INDEX ix_events__resource_id_occurred ON events (resource_id, occurred);

CREATE TABLE event_resources (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  occurred TIMESTAMP WITH TIME ZONE NOT NULL,
  resource_id TEXT NOT NULL,
  resource_role TEXT NOT NULL,
  resource JSONB NOT NULL,
  event_id UUID NOT NULL
);
CREATE INDEX ix_event_resources__resource_id_occurred ON event_resources (resource_id, occurred);
