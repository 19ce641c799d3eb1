-- Durable background jobs (imports, re-embedding): a table queue claimed with
-- FOR UPDATE SKIP LOCKED. A claimed job holds a lease (locked_until) that its
-- worker renews; a worker that dies (kill -9) lets the lease lapse and another
-- worker picks the job up again. See docs/decisions (jobs ADR).
CREATE TABLE jobs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind             text NOT NULL,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  cancel_requested boolean NOT NULL DEFAULT false,
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL DEFAULT 3,
  run_after        timestamptz NOT NULL DEFAULT now(),
  locked_by        text,
  locked_until     timestamptz,
  progress         jsonb,
  result           jsonb,
  error            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- Only live jobs are ever scanned by the claim query.
CREATE INDEX jobs_live ON jobs (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_recent ON jobs (created_at DESC);

-- An uploaded archive waits here for its import job (private: never under a public storage prefix).
CREATE TABLE job_uploads (
  job_id uuid PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  name   text NOT NULL,
  bytes  bytea NOT NULL
);
