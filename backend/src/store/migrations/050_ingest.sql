-- Ingestion (issue 7): signal lifecycle columns, the grouping index that joins related signals into one
-- incident, and deliveries that carry no signal (Slack commands, GitHub pushes) kept for dedupe.
-- Runs unchanged on PostgreSQL 15 and PGlite.

-- 'alert' signals fire and resolve; 'event' signals (a deploy, a Kubernetes warning) happen once.
ALTER TABLE incident_signals ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'event'));
ALTER TABLE incident_signals ADD COLUMN namespace TEXT;
ALTER TABLE incident_signals ADD COLUMN severity TEXT;
ALTER TABLE incident_signals ADD COLUMN starts_at TIMESTAMPTZ;
ALTER TABLE incident_signals ADD COLUMN resolved_at TIMESTAMPTZ;
CREATE INDEX incident_signals_firing_idx ON incident_signals (incident_id) WHERE status = 'firing' AND kind = 'alert';

-- What an incident covers for grouping: its subjects (services, or a fallback group key) and when a
-- signal last joined it. A new signal joins an unresolved incident sharing a subject within the window.
CREATE TABLE incident_groups (
  incident_id     UUID PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  subjects        TEXT[] NOT NULL,
  last_signal_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_groups_subjects_idx ON incident_groups USING GIN (subjects);
CREATE INDEX incident_groups_last_idx ON incident_groups (last_signal_at DESC);

CREATE TABLE webhook_deliveries (
  source       TEXT NOT NULL,
  delivery_id  TEXT NOT NULL,
  received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (source, delivery_id)
);
