-- Passkeys (ADR 0042): a reader with at least one is an account, which any device can sign in to. Only the public
-- half is here; the private key never leaves the reader's authenticator.
CREATE TABLE reader_passkeys (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reader_id      uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  -- The WebAuthn credential id and COSE public key, base64url (the same text on PGlite and node-postgres).
  credential_id  text NOT NULL UNIQUE CHECK (char_length(credential_id) BETWEEN 1 AND 1400),
  public_key     text NOT NULL,
  -- The authenticator's signature counter: one that goes backwards is a cloned key (0 = the authenticator keeps none).
  counter        bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports     text[] NOT NULL DEFAULT '{}',
  label          text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 60),
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz
);
CREATE INDEX reader_passkeys_reader ON reader_passkeys (reader_id, created_at);

-- A sign-in step waiting for the browser: the challenge a passkey must sign, for whom and from which page. Single
-- use (taken by DELETE … RETURNING) and short-lived, so a replayed answer finds nothing; in the database, so the
-- answer may reach another replica, or this one after a restart.
CREATE TABLE sign_in_challenges (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  purpose     text NOT NULL CHECK (purpose IN ('passkey:add', 'passkey:sign-in')),
  -- The reader adding a passkey; null for a sign-in (nobody yet).
  reader_id   uuid REFERENCES readers(id) ON DELETE CASCADE,
  challenge   text NOT NULL,
  origin      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sign_in_challenges_expiry ON sign_in_challenges (expires_at);
