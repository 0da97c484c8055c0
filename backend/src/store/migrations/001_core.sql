-- Core schema: incidents and what hangs off them, the audit trail, API tokens.
-- Runs unchanged on PostgreSQL 15 and PGlite: no PG16+ functions, no extensions.

CREATE TABLE incidents (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  title            TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  severity         TEXT NOT NULL DEFAULT 'medium'
                   CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  status           TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'investigating', 'awaiting_approval', 'remediating', 'resolved', 'closed')),
  source           TEXT NOT NULL DEFAULT 'aegis',
  namespace        TEXT,
  services         TEXT[] NOT NULL DEFAULT '{}',
  labels           JSONB NOT NULL DEFAULT '{}'::jsonb,
  root_cause       JSONB,
  resolution       TEXT,
  started_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  acknowledged_by  TEXT,
  acknowledged_at  TIMESTAMPTZ,
  resolved_by      TEXT,
  resolved_at      TIMESTAMPTZ
);
CREATE INDEX incidents_created_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_status_idx ON incidents (status, created_at DESC);
CREATE INDEX incidents_services_idx ON incidents USING GIN (services);

-- Every signal (alert, anomaly, event) that joined an incident; dedupe_key stops re-deliveries.
CREATE TABLE incident_signals (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  source       TEXT NOT NULL,
  dedupe_key   TEXT NOT NULL UNIQUE,
  service      TEXT,
  status       TEXT NOT NULL DEFAULT 'firing' CHECK (status IN ('firing', 'resolved')),
  summary      TEXT NOT NULL DEFAULT '',
  payload      JSONB NOT NULL DEFAULT '{}'::jsonb,
  received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX incident_signals_incident_idx ON incident_signals (incident_id, received_at);

CREATE TABLE incident_timeline (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  kind         TEXT NOT NULL,
  actor        TEXT,
  message      TEXT NOT NULL,
  data         JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, at);

CREATE TABLE agent_executions (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id  UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  agent        TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'failed', 'timeout')),
  attempt      INTEGER NOT NULL DEFAULT 1,
  input        JSONB NOT NULL DEFAULT '{}'::jsonb,
  output       JSONB,
  tool_calls   JSONB NOT NULL DEFAULT '[]'::jsonb,
  error        TEXT,
  tokens_used  INTEGER,
  started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at  TIMESTAMPTZ,
  duration_ms  INTEGER
);
CREATE INDEX agent_executions_incident_idx ON agent_executions (incident_id, started_at);
CREATE INDEX agent_executions_agent_idx ON agent_executions (agent, started_at);

CREATE TABLE remediations (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id   UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  action_type   TEXT NOT NULL,
  target        TEXT NOT NULL,
  namespace     TEXT NOT NULL DEFAULT 'default',
  status        TEXT NOT NULL DEFAULT 'proposed'
                CHECK (status IN ('proposed', 'approved', 'rejected', 'applying', 'verifying', 'succeeded', 'failed', 'reverted')),
  plan          JSONB NOT NULL DEFAULT '{}'::jsonb,
  dry_run       JSONB,
  confidence    DOUBLE PRECISION CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
  approved_by   TEXT,
  approved_at   TIMESTAMPTZ,
  rejected_by   TEXT,
  reason        TEXT,
  before_state  JSONB,
  after_state   JSONB,
  verification  JSONB,
  error         TEXT,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX remediations_incident_idx ON remediations (incident_id, created_at);
CREATE INDEX remediations_status_idx ON remediations (status);

CREATE TABLE audit_log (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor       TEXT NOT NULL,
  actor_role  TEXT,
  action      TEXT NOT NULL,
  target      TEXT,
  result      TEXT NOT NULL CHECK (result IN ('success', 'denied', 'rejected', 'failed')),
  status      INTEGER,
  request_id  TEXT,
  remote_addr TEXT,
  details     JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);

-- The audit trail is append-only: nothing may change or remove a row once written.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE api_tokens (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'ingest', 'grafana')),
  token_hash    TEXT NOT NULL UNIQUE,
  prefix        TEXT NOT NULL,
  created_by    TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at    TIMESTAMPTZ,
  last_used_at  TIMESTAMPTZ,
  revoked_at    TIMESTAMPTZ
);
