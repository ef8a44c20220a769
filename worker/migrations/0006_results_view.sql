-- Reads never write: they used to run `store::expand` (a write transaction) before reading.
-- The table of expanded results is now `results_expanded`, and `results` is a read-only view of
-- every stored result, expanded or still pending in its report's row, so every query reading
-- `results` sees all of them without expanding anything. `store::expand` (the minute cron)
-- moves a report's results into `results_expanded` and clears its `pending` in one transaction,
-- so each result is in exactly one half of the union. The expressions are `store::expand`'s.
ALTER TABLE results RENAME TO results_expanded;
CREATE VIEW results AS
  SELECT report_id, idx, url, category, verdict, confidence, clues, probes, prefixes, country, asn, created_hour, campaign
  FROM results_expanded
  UNION ALL
  SELECT r.id, CAST(j.key AS INTEGER), j.value ->> '$.url', j.value ->> '$.category', j.value ->> '$.verdict',
         round(j.value ->> '$.confidence', 3), coalesce(j.value -> '$.clues', '[]'), coalesce(j.value -> '$.probes', '[]'),
         coalesce(j.value -> '$.prefixes', '[]'), r.country, r.asn, r.created_hour, r.campaign
  FROM reports r, json_each(r.pending, '$.results') j
  WHERE r.pending IS NOT NULL;
