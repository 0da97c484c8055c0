-- Issue 14: pod templates Aegis has seen failing (crash-looping, failed verification, rolled away from), by a
-- fingerprint of their containers, so a rollback never returns to one even after Kubernetes renumbers it.
CREATE TABLE failing_revisions (
  namespace    TEXT NOT NULL,
  deployment   TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  revision     INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  seen_at      TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (namespace, deployment, fingerprint)
);
