-- Ingest stores a report as one row; its results wait here (the validated body as sent) until
-- `store::expand` moves them into `results` in bulk (before any read of them, and by the
-- minute cron). NULL once expanded.
ALTER TABLE reports ADD COLUMN pending TEXT;
CREATE INDEX reports_pending ON reports (id) WHERE pending IS NOT NULL;
