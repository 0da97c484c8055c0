-- IaC scans and their findings (issue 6). Runs unchanged on PostgreSQL 15 and PGlite.

CREATE TABLE iac_scans (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  source         TEXT NOT NULL CHECK (source IN ('path', 'archive', 'files', 'webhook', 'cli')),
  target         TEXT NOT NULL,
  actor          TEXT,
  started_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  duration_ms    INTEGER NOT NULL DEFAULT 0,
  stats          JSONB NOT NULL DEFAULT '{}'::jsonb,
  finding_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX iac_scans_target_idx ON iac_scans (target, started_at DESC);

CREATE TABLE iac_findings (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scan_id      UUID NOT NULL REFERENCES iac_scans (id) ON DELETE CASCADE,
  rule_id      TEXT NOT NULL,
  severity     TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  category     TEXT NOT NULL,
  framework    TEXT NOT NULL,
  file         TEXT NOT NULL,
  line         INTEGER NOT NULL,
  end_line     INTEGER NOT NULL,
  resource     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  message      TEXT NOT NULL,
  remediation  TEXT NOT NULL,
  fix          JSONB,
  suppressed   TEXT
);
CREATE INDEX iac_findings_scan_idx ON iac_findings (scan_id, id);
CREATE INDEX iac_findings_rule_idx ON iac_findings (rule_id);
CREATE INDEX iac_findings_severity_idx ON iac_findings (severity);
CREATE INDEX iac_findings_file_idx ON iac_findings (file);
