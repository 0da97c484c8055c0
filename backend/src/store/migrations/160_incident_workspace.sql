-- Incident workspace (issue 19): who owns an incident, notes on its timeline, operator feedback, and
-- silences (a signal muted for a time, or marked "not an anomaly") that detection and ingestion read.

ALTER TABLE incidents ADD COLUMN assignee TEXT;

CREATE TABLE incident_notes (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  author       TEXT NOT NULL,
  text         TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX incident_notes_incident_idx ON incident_notes (incident_id, created_at);

CREATE TABLE incident_feedback (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('not-an-anomaly', 'wrong-root-cause')),
  service      TEXT,
  metric       TEXT,
  note         TEXT,
  actor        TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX incident_feedback_incident_idx ON incident_feedback (incident_id, created_at);

-- metric NULL = every metric of the service. kind 'not-an-anomaly' is the label operator feedback leaves.
CREATE TABLE signal_silences (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  service      TEXT NOT NULL,
  metric       TEXT,
  kind         TEXT NOT NULL DEFAULT 'silence' CHECK (kind IN ('silence', 'not-an-anomaly')),
  reason       TEXT NOT NULL,
  incident_id  UUID REFERENCES incidents (id) ON DELETE SET NULL,
  created_by   TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  until        TIMESTAMPTZ NOT NULL,
  expired_by   TEXT
);
CREATE INDEX signal_silences_active_idx ON signal_silences (service, until);
