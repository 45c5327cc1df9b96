-- Global (v2) concurrency limits, and the leases that hold their slots. Tag (v1) limits are v2 limits
-- named "tag:<tag>", as in Prefect. A lease holds `slots` on each limit it names in
-- concurrency_lease_limit (its holders); the lease row carries the holder (a task run, a flow run, a
-- deployment) and its expiry, so leases outlive a restart and the repossessor finds expired ones by index.
CREATE TABLE concurrency_limit_v2 (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  active BOOLEAN NOT NULL DEFAULT true,
  name TEXT NOT NULL,
  "limit" INTEGER NOT NULL,
  active_slots INTEGER NOT NULL DEFAULT 0,
  denied_slots INTEGER NOT NULL DEFAULT 0,
  slot_decay_per_second DOUBLE PRECISION NOT NULL DEFAULT 0,
  avg_slot_occupancy_seconds DOUBLE PRECISION NOT NULL DEFAULT 2
);
CREATE UNIQUE INDEX uq_concurrency_limit_v2__name ON concurrency_limit_v2 (name);

CREATE TABLE concurrency_lease (
  id UUID PRIMARY KEY NOT NULL,
  created TIMESTAMP WITH TIME ZONE NOT NULL,
  updated TIMESTAMP WITH TIME ZONE NOT NULL,
  expiration TIMESTAMP WITH TIME ZONE NOT NULL,
  slots INTEGER NOT NULL,
  holder_type TEXT,
  holder_id UUID
);
CREATE INDEX ix_concurrency_lease__expiration ON concurrency_lease (expiration);
CREATE INDEX ix_concurrency_lease__holder_id ON concurrency_lease (holder_id);

CREATE TABLE concurrency_lease_limit (
  lease_id UUID NOT NULL REFERENCES concurrency_lease(id) ON DELETE CASCADE,
  limit_id UUID NOT NULL REFERENCES concurrency_limit_v2(id) ON DELETE CASCADE,
  PRIMARY KEY (lease_id, limit_id)
);
CREATE INDEX ix_concurrency_lease_limit__limit_id ON concurrency_lease_limit (limit_id);
