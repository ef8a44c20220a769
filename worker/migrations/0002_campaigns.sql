-- Campaigns: no delete (expire instead). The owner's token is kept only as its SHA-256.
CREATE TABLE campaigns (
  id           TEXT PRIMARY KEY,     -- 16 hex digits, random
  descriptor   TEXT NOT NULL,        -- JSON: name, description, targets | list_url, countries, starts_hour, expires_hour
  owner_sha256 TEXT NOT NULL,
  created_hour TEXT NOT NULL,
  updated_hour TEXT NOT NULL
);
