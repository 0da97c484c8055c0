-- Alert signals dedupe on source + fingerprint + start time; the group key is context only, because a
-- group_by change re-sends the same alert under a new group key (and resolves it only under that one).
-- Stored keys of the old form (source:groupKey:fingerprint:start) are rewritten, keeping the earliest
-- row when the old form had stored one alert twice.
WITH rekeyed AS (
  SELECT id,
         source || ':' || (payload->>'fingerprint') || ':' || to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS new_key,
         row_number() OVER (
           PARTITION BY source, payload->>'fingerprint', starts_at
           ORDER BY received_at, id
         ) AS n
  FROM incident_signals
  WHERE source IN ('grafana', 'alertmanager') AND payload ? 'fingerprint' AND starts_at IS NOT NULL
)
UPDATE incident_signals s
SET dedupe_key = r.new_key
FROM rekeyed r
WHERE s.id = r.id AND r.n = 1 AND s.dedupe_key <> r.new_key
  AND NOT EXISTS (SELECT 1 FROM incident_signals o WHERE o.dedupe_key = r.new_key);
