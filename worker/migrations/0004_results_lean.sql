-- Ingest writes 50-odd result rows per report, and every index costs each of them. No query
-- uses this one: aggregates filter networks after grouping (a cell's baseline is every other
-- network), exports walk the primary key.
DROP INDEX results_by_network;
