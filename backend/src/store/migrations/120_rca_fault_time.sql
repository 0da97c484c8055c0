-- RCA estimates when the fault started (change point), next to the ranking.
ALTER TABLE rca_results ADD COLUMN IF NOT EXISTS fault_time TIMESTAMPTZ;
