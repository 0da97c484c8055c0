-- Anomaly detection (issue 4): trained models, anomaly events, and downsampled score history.
-- Runs unchanged on PostgreSQL 15 and PGlite.

-- Detector state: one row per (kind, key): a series' scorer state, or one LSTM model per series group.
CREATE TABLE models (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        TEXT NOT NULL,
  model_key   TEXT NOT NULL,
  version     INTEGER NOT NULL DEFAULT 1,
  state       JSONB NOT NULL DEFAULT '{}'::jsonb,
  weights     BYTEA,
  metrics     JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (kind, model_key)
);

CREATE TABLE anomalies (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  series      TEXT NOT NULL,
  namespace   TEXT NOT NULL DEFAULT 'default',
  service     TEXT NOT NULL,
  metric      TEXT NOT NULL,
  start_at    TIMESTAMPTZ NOT NULL,
  end_at      TIMESTAMPTZ NOT NULL,
  peak_at     TIMESTAMPTZ NOT NULL,
  score       DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),
  detectors   TEXT[] NOT NULL DEFAULT '{}',
  -- Anomalies close in time on one service or on services that call each other share a group.
  group_id    UUID NOT NULL,
  open        BOOLEAN NOT NULL DEFAULT true,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX anomalies_start_idx ON anomalies (start_at DESC, id DESC);
CREATE INDEX anomalies_service_idx ON anomalies (service, start_at DESC);
CREATE INDEX anomalies_group_idx ON anomalies (group_id);
CREATE INDEX anomalies_open_idx ON anomalies (series) WHERE open;

-- Score history: resolution 0 = raw points, 60000 = 1-minute maxima, 300000 = 5-minute maxima.
CREATE TABLE anomaly_scores (
  series      TEXT NOT NULL,
  service     TEXT NOT NULL,
  metric      TEXT NOT NULL,
  resolution  INTEGER NOT NULL,
  at          TIMESTAMPTZ NOT NULL,
  score       REAL NOT NULL,
  PRIMARY KEY (series, resolution, at)
);
CREATE INDEX anomaly_scores_lookup_idx ON anomaly_scores (service, metric, resolution, at);
