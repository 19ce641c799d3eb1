-- Rate-limit token buckets shared by every replica on one PostgreSQL (src/rate-limits/): a limit of N a
-- minute stays N behind a load balancer, not N per process. UNLOGGED: no WAL for a counter that is
-- rewritten on every request; a crash empties it, which only forgives the current minute.
-- The embedded default keeps its buckets in memory (one process) and never writes here.
CREATE UNLOGGED TABLE rate_buckets (
  key     text PRIMARY KEY CHECK (char_length(key) <= 200),
  tokens  double precision NOT NULL,
  at      timestamptz NOT NULL,
  granted boolean NOT NULL
);
CREATE INDEX rate_buckets_at ON rate_buckets (at);
