-- Issue 14: a proposal whose incident resolved, or that no longer matches the evidence, is withdrawn (with a
-- reason) so it never blocks the next remediation on its target.
ALTER TABLE remediations DROP CONSTRAINT IF EXISTS remediations_status_check;
ALTER TABLE remediations ADD CONSTRAINT remediations_status_check
  CHECK (status IN ('proposed', 'approved', 'rejected', 'applying', 'verifying', 'succeeded', 'failed', 'reverted', 'withdrawn'));
ALTER TABLE remediations ADD COLUMN withdrawn_reason TEXT;

-- Proposals left behind by incidents that are already over.
UPDATE remediations r SET status = 'withdrawn', withdrawn_reason = 'the incident was already resolved'
  FROM incidents i WHERE r.incident_id = i.id AND r.status = 'proposed' AND i.status IN ('resolved', 'closed');
