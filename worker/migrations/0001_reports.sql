-- Reports as received: no IP address, user agent, cookie or identifier of a visitor.
-- Country and ASN come from Cloudflare's `cf` data of the request; times are to the hour.
CREATE TABLE reports (
  id            TEXT PRIMARY KEY,          -- random per report, chosen by the client: idempotency key
  created_hour  TEXT NOT NULL,             -- when the run happened (client), to the hour
  received_hour TEXT NOT NULL,             -- when it arrived (server), to the hour
  country       TEXT NOT NULL,             -- ISO 3166 alpha-2, or 'ZZ' when unknown
  asn           INTEGER NOT NULL,          -- 0 when unknown
  software      TEXT NOT NULL,
  browser       TEXT NOT NULL,             -- family only
  list          TEXT NOT NULL,
  campaign      TEXT,
  result_count  INTEGER NOT NULL,
  patterns      TEXT NOT NULL              -- JSON
);

CREATE TABLE results (
  report_id    TEXT NOT NULL REFERENCES reports(id),
  idx          INTEGER NOT NULL,
  url          TEXT NOT NULL,
  category     TEXT NOT NULL,
  verdict      TEXT NOT NULL,
  confidence   REAL NOT NULL,
  clues        TEXT NOT NULL,              -- JSON
  probes       TEXT NOT NULL,              -- JSON
  prefixes     TEXT NOT NULL,              -- JSON: /24 and /48 prefixes of the target, never the visitor's
  -- Denormalised for aggregation by network, place and time.
  country      TEXT NOT NULL,
  asn          INTEGER NOT NULL,
  created_hour TEXT NOT NULL,
  campaign     TEXT,
  PRIMARY KEY (report_id, idx)
);

CREATE INDEX results_by_network ON results (country, asn, created_hour);
CREATE INDEX results_by_url ON results (url, created_hour);
