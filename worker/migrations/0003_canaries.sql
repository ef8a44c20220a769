-- Canary results carried by reports, and what the canaries themselves saw: a probe token
-- arriving, or a Network Error Logging report about it. Tokens are random per probe and
-- link nothing beyond one canary check; no address, user agent or URL path is kept.
CREATE TABLE canary_results (
  report_id    TEXT NOT NULL,
  idx          INTEGER NOT NULL,
  kind         TEXT NOT NULL,        -- innocuous | sni | provider
  name         TEXT NOT NULL,        -- trigger name or provider
  verdict      TEXT NOT NULL,
  phase        TEXT,                 -- dns | tcp | tls | transfer
  confidence   REAL NOT NULL,
  kbps         INTEGER,
  ratio        REAL,
  token        TEXT NOT NULL,
  country      TEXT NOT NULL,
  asn          INTEGER NOT NULL,
  created_hour TEXT NOT NULL,
  campaign     TEXT,
  PRIMARY KEY (report_id, idx)
);
CREATE INDEX canary_results_net ON canary_results (country, asn, kind, name);

CREATE TABLE canary_events (
  token  TEXT NOT NULL,
  event  TEXT NOT NULL,              -- arrived | nel
  host   TEXT NOT NULL,
  phase  TEXT,                       -- NEL: dns | connection | application
  error  TEXT,                       -- NEL: e.g. tls.protocol.error
  country TEXT NOT NULL,             -- of the NEL upload, from cf (as for reports)
  asn    INTEGER NOT NULL,
  hour   TEXT NOT NULL
);
CREATE INDEX canary_events_token ON canary_events (token);
