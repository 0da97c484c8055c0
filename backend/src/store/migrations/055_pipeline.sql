-- Incident pipeline and remediation (issue 7): leases for exactly-once remediation, similar-incident
-- vectors, postmortems, the fixer's outcomes and models. PostgreSQL 15 and PGlite alike.

-- A remediation is worked on by one backend at a time: the one holding an unexpired lease.
ALTER TABLE remediations ADD COLUMN lease_owner TEXT;
ALTER TABLE remediations ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE remediations ADD COLUMN severity TEXT;
CREATE INDEX remediations_target_idx ON remediations (namespace, target, created_at DESC);

-- Feature-hashed incident vectors (no pgvector on PG15): sparse {index: weight}, unit length.
CREATE TABLE incident_vectors (
  incident_id  UUID PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  vector       JSONB NOT NULL,
  tokens       TEXT[] NOT NULL DEFAULT '{}',
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE postmortems (
  incident_id  UUID PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  markdown     TEXT NOT NULL,
  data         JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- What the fixer learns from: simulator episodes and real remediation outcomes.
CREATE TABLE fixer_outcomes (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source          TEXT NOT NULL CHECK (source IN ('simulator', 'real')),
  incident_id     UUID REFERENCES incidents (id) ON DELETE SET NULL,
  remediation_id  UUID REFERENCES remediations (id) ON DELETE SET NULL,
  service         TEXT NOT NULL,
  action          TEXT NOT NULL,
  features        JSONB NOT NULL,
  success         BOOLEAN NOT NULL,
  recovery_ms     INTEGER,
  at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX fixer_outcomes_remediation_idx ON fixer_outcomes (remediation_id) WHERE remediation_id IS NOT NULL;

CREATE TABLE fixer_models (
  name        TEXT PRIMARY KEY,
  model       JSONB NOT NULL,
  episodes    INTEGER NOT NULL DEFAULT 0,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
