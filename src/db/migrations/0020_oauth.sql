-- Assistants that connect by URL (ADR 0044, docs/mcp.md): Folio is the OAuth 2.1 authorization server for its own
-- /mcp. A client registers (dynamic client registration), the reader approves it on a consent page, and the
-- client gets an assistant token (reader_tokens, read-only MCP) that expires and is renewed with a refresh token.

-- Registered clients: public clients (no secret: PKCE proves the code's holder), their exact redirect URIs.
CREATE TABLE oauth_clients (
  id             text PRIMARY KEY,
  name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  redirect_uris  text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 10),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- An authorization waiting for the reader's answer on the consent page (10 minutes), its parameters checked once.
CREATE TABLE oauth_requests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_id       text NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  redirect_uri    text NOT NULL,
  code_challenge  text NOT NULL,
  state           text,
  resource        text NOT NULL,
  expires_at      timestamptz NOT NULL
);
CREATE INDEX oauth_requests_expiry ON oauth_requests (expires_at);

-- Authorization codes: only the hash, one minute, single use (taken by DELETE … RETURNING).
CREATE TABLE oauth_codes (
  code_hash       text PRIMARY KEY,
  client_id       text NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  reader_id       uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  redirect_uri    text NOT NULL,
  code_challenge  text NOT NULL,
  resource        text NOT NULL,
  expires_at      timestamptz NOT NULL
);

-- A connector's token is an assistant token with a client, an expiry and a refresh token (hash); revoking it on
-- the Connect page deletes the row, and with it both.
ALTER TABLE reader_tokens
  ADD COLUMN client_id text REFERENCES oauth_clients(id) ON DELETE CASCADE,
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN refresh_hash text UNIQUE;
