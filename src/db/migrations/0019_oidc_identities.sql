-- OpenID Connect sign-in (ADR 0043): a community's own login opens a reader, as a passkey does. One row per person at
-- a provider: the issuer and its subject (the provider's stable, never reassigned id for them); a reader with one is
-- an account. No token of the provider is kept: Folio asks it who someone is at sign-in, and nothing after.
CREATE TABLE reader_identities (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reader_id     uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  issuer        text NOT NULL,
  subject       text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 255),
  -- What the list shows: the email, user name or name the provider gave at the last sign-in.
  label         text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 120),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  UNIQUE (issuer, subject)
);
CREATE INDEX reader_identities_reader ON reader_identities (reader_id, created_at);

-- A sign-in at the provider waiting for the browser to come back: `challenge` is the state, `origin` Folio's public
-- origin (the redirect URI's), `data` the PKCE verifier, the nonce and the page to return to (JSON, read as text on
-- PGlite and node-postgres alike). Single use and short-lived, like a passkey challenge.
ALTER TABLE sign_in_challenges DROP CONSTRAINT sign_in_challenges_purpose_check;
ALTER TABLE sign_in_challenges ADD CONSTRAINT sign_in_challenges_purpose_check CHECK (purpose IN ('passkey:add', 'passkey:sign-in', 'oidc:sign-in'));
ALTER TABLE sign_in_challenges ADD COLUMN data jsonb;
