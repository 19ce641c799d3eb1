-- Extra tokens a reader creates for AI assistants (docs/mcp.md, ADR 0015).
-- Each one authenticates as its reader everywhere a reader token does (API
-- bearer, /mcp), so an assistant shares the reader's one progress row per
-- series. Only the SHA-256 of a token is stored, as for readers.token_hash;
-- revoking deletes the row, so the next request with it is a 401.
CREATE TABLE reader_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reader_id    uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  label        text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 60),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Null until first used; refreshed at most once a minute (readers/queries.ts).
  last_used_at timestamptz
);
CREATE INDEX reader_tokens_reader ON reader_tokens (reader_id, created_at);
