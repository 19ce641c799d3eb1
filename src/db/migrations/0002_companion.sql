-- The companion: conversations, messages, and (when pgvector is available)
-- chunk embeddings. See docs/decisions (companion ADRs).

-- A conversation's id is the AI SDK chat id the client made up; it is only
-- unique per reader, so one reader can never reach another's conversation.
CREATE TABLE conversations (
  reader_id  uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  id         text NOT NULL,
  series_id  text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reader_id, id)
);
CREATE INDEX conversations_reader_series ON conversations (reader_id, series_id, updated_at DESC);

-- Every message records the reader's position when it was written: after a
-- progress reset, messages beyond the new position are neither replayed into
-- a prompt nor shown.
CREATE TABLE messages (
  id              bigserial PRIMARY KEY,
  reader_id       uuid NOT NULL,
  conversation_id text NOT NULL,
  client_id       text,
  role            text NOT NULL CHECK (role IN ('user', 'assistant')),
  text            text NOT NULL,
  episode         integer NOT NULL,
  page            integer NOT NULL,
  -- complete | guarded (stopped by the output guard) | quote | declined | error | aborted
  status          text NOT NULL,
  citations       jsonb NOT NULL DEFAULT '[]'::jsonb,
  suggestions     jsonb NOT NULL DEFAULT '[]'::jsonb,
  model           text,
  input_tokens    integer,
  output_tokens   integer,
  ttft_ms         integer,
  latency_ms      integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (reader_id, conversation_id) REFERENCES conversations(reader_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation ON messages (reader_id, conversation_id, id);
CREATE UNIQUE INDEX messages_client_id ON messages (reader_id, conversation_id, client_id) WHERE client_id IS NOT NULL;

-- Vectors need pgvector, which a managed PostgreSQL may not offer (or not to
-- this role). The vector table is created by this function, which the
-- migration calls once and Folio calls again at start-up when embeddings are
-- on and the table is still missing (pgvector installed later). Without
-- pgvector it returns false and retrieval is full-text only.
CREATE FUNCTION folio_enable_vectors() RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
  IF to_regclass('chunk_vectors') IS NOT NULL THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RETURN false;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
  EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR undefined_file OR object_not_in_prerequisite_state THEN
    RETURN false;
  END;
  -- Dimensions differ per embedding model, so the column is an untyped vector;
  -- `dims` selects a partial HNSW index built on a cast to the exact size.
  -- The position is copied from the chunk so the boundary filters vectors directly.
  CREATE TABLE chunk_vectors (
    chunk_id  bigint PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    series_id text NOT NULL,
    episode   integer NOT NULL,
    page      integer NOT NULL,
    model     text NOT NULL,
    dims      integer NOT NULL,
    embedding vector NOT NULL
  );
  CREATE INDEX chunk_vectors_series_model ON chunk_vectors (series_id, model, episode, page);
  -- The built-in embedder (Universal Sentence Encoder Lite) makes 512 dimensions;
  -- indexes for other sizes are created when a model of that size first stores vectors.
  CREATE INDEX chunk_vectors_hnsw_512 ON chunk_vectors USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dims = 512;
  RETURN true;
END
$fn$;

SELECT folio_enable_vectors();
