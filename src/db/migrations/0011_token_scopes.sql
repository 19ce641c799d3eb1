-- What an assistant token may do (ADR 0028, docs/mcp.md). Until now a token
-- could do everything its reader can, including move progress past the
-- skip-ahead question and read every conversation. Every token, existing ones
-- included, becomes read-only MCP ('mcp:read'); the reader grants more on the
-- Connect page. The reader's own token (readers.token_hash) has no scopes: it
-- is the reader. The names are the closed list of src/contract/api.ts
-- TOKEN_SCOPES; a name the code does not know is refused here, so a stale
-- writer cannot store a grant no check reads.
ALTER TABLE reader_tokens
  ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['mcp:read']::text[];

ALTER TABLE reader_tokens
  ADD CONSTRAINT reader_tokens_scopes_known CHECK (
    scopes <@ ARRAY['mcp:read', 'api', 'progress:write', 'conversations']::text[]
    AND array_position(scopes, NULL) IS NULL
    -- Every token may use the MCP read tools: that is what it is for.
    AND 'mcp:read' = ANY (scopes)
    -- The write and conversation grants are REST routes: they need 'api'.
    AND ('api' = ANY (scopes) OR NOT (scopes && ARRAY['progress:write', 'conversations']::text[]))
  );
