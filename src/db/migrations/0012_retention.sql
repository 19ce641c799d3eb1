-- Retention (FOLIO_RETENTION_DAYS, src/retention/): finding readers inactive for a while without a scan,
-- and at most one queued run of each scheduled job (several workers ensure it at start at once).
CREATE INDEX readers_last_seen ON readers (last_seen_at);
CREATE UNIQUE INDEX jobs_one_scheduled ON jobs (kind) WHERE state = 'queued' AND payload->>'scheduled' = 'true';
