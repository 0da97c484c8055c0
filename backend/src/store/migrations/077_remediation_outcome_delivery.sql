-- Crash points (issue 9): a remediation's outcome reaches its listeners (fixer learning, postmortem) at least
-- once, even when the process dies right after the final transition; the reconciler delivers what is pending.
ALTER TABLE remediations ADD COLUMN outcome_delivered_at TIMESTAMPTZ;

-- Outcomes finished before this migration were delivered by the process that finished them.
UPDATE remediations SET outcome_delivered_at = updated_at WHERE status IN ('succeeded', 'failed', 'reverted');

CREATE INDEX remediations_outcome_pending_idx ON remediations (created_at)
  WHERE outcome_delivered_at IS NULL AND status IN ('succeeded', 'failed', 'reverted');
