-- RCA: every analysis of an incident, and the verdicts people give on them (the history priors learn from).
-- Runs unchanged on PostgreSQL 15 and PGlite.

CREATE TABLE rca_results (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  ranking      JSONB NOT NULL,
  warnings     JSONB NOT NULL DEFAULT '[]'::jsonb,
  -- evidence strength per service before priors: compared with later incidents
  signature    JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX rca_results_incident_idx ON rca_results (incident_id, created_at DESC);

CREATE TABLE rca_feedback (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id   UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  service       TEXT NOT NULL,
  metric        TEXT,
  verdict       TEXT NOT NULL CHECK (verdict IN ('confirmed', 'corrected')),
  previous_top  TEXT,
  signature     JSONB NOT NULL DEFAULT '{}'::jsonb,
  comment       TEXT,
  actor         TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX rca_feedback_incident_idx ON rca_feedback (incident_id, created_at DESC);
CREATE INDEX rca_feedback_created_idx ON rca_feedback (created_at DESC);
