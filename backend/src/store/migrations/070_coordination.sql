-- Scale-out (issue 9): which replicas are alive (detection shards by this list) and event bodies too
-- large for a NOTIFY payload. PostgreSQL 15 and PGlite alike.

CREATE TABLE replicas (
  id            TEXT PRIMARY KEY,
  host          TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  version       TEXT NOT NULL,
  url           TEXT,
  leases        TEXT[] NOT NULL DEFAULT '{}',
  started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  heartbeat_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE relayed_events (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  origin      TEXT NOT NULL,
  body        JSONB NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX relayed_events_created_idx ON relayed_events (created_at);
