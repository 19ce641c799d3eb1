-- A reader's devices (ADR 0041): every browser or app that holds the reader's own token has a row here, so one
-- reader can read on several devices (linked with a one-time code), see them with their last use, and sign one
-- out.
CREATE TABLE reader_devices (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reader_id    uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  label        text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 60),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Refreshed at most once an hour (readers/queries.ts), with the reader's own last_seen_at.
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reader_devices_reader ON reader_devices (reader_id, created_at);

-- A reader's token from before devices becomes its first device: now, and for readers restored from a backup made
-- before this migration (backup/backup.ts calls this after a restore). readers.token_hash stays, always empty, so
-- such a backup still restores.
ALTER TABLE readers ALTER COLUMN token_hash DROP NOT NULL;
CREATE FUNCTION folio_adopt_reader_tokens() RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE adopted integer;
BEGIN
  INSERT INTO reader_devices (reader_id, token_hash, label, created_at, last_seen_at)
    SELECT id, token_hash, 'First device', created_at, last_seen_at FROM readers WHERE token_hash IS NOT NULL
    ON CONFLICT (token_hash) DO NOTHING;
  GET DIAGNOSTICS adopted = ROW_COUNT;
  UPDATE readers SET token_hash = NULL WHERE token_hash IS NOT NULL;
  RETURN adopted;
END
$fn$;
SELECT folio_adopt_reader_tokens();

-- One-time codes that make another device the same reader: only the code's hash is kept, a few minutes, and a
-- reader has at most one live code (a new one replaces it).
CREATE TABLE link_codes (
  reader_id  uuid PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,
  code_hash  text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL
);

-- A device signed out or moved to another reader is announced on the boundary channel (migration 0016) as
-- 'd:<reader id>': processes that keep credentials in memory drop the reader's (readers/credential-cache.ts).
CREATE FUNCTION folio_device_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('folio_boundary', 'd:' || OLD.reader_id);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER reader_devices_changed AFTER UPDATE OR DELETE ON reader_devices
  FOR EACH ROW EXECUTE FUNCTION folio_device_changed();
CREATE TRIGGER reader_devices_truncated AFTER TRUNCATE ON reader_devices
  FOR EACH STATEMENT EXECUTE FUNCTION folio_boundary_truncated();
