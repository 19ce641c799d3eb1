/**
 * `/connect`: connect an AI assistant to Folio's MCP endpoint as this reader
 * (docs/mcp.md). The browser's own token is an HttpOnly cookie the app never
 * sees, so the reader creates a separate, labelled, revocable token for each
 * assistant; it shares this reader's progress. Loaded lazily (own chunk).
 */
import { type FormEvent, useId, useRef, useState } from 'react';
import { Link } from 'wouter';
import {
  type CreatedToken,
  type CreateTokenRequest,
  DEFAULT_TOKEN_SCOPES,
  type SeriesSummary,
  type TokenList as TokenListData,
  type TokenScope,
} from '../../../src/contract/index.js';
import { API_BASE, ApiError, api, describeError } from '../api/client';
import { useApi } from '../api/use-api';
import { formatProgress } from '../ui/format';
import { SiteHeader } from '../ui/SiteHeader';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { CopyButton } from './CopyButton';
import { labelProblem, MAX_LABEL_LENGTH, mcpUrl } from './config';
import { NewToken } from './NewToken';
import { ScopeChoices } from './ScopeChoices';
import { TokenList } from './TokenList';
import './connect.css';

const TOKENS = '/api/readers/me/tokens';

function Places() {
  const lib = useApi<{ series: SeriesSummary[] }>('/api/series');
  if (!lib.data || lib.data.series.length === 0) return null;
  return (
    <ul className="connect-places" data-testid="connect-places">
      {lib.data.series.map((s) => (
        <li key={s.id}>
          <strong>{s.title}</strong>: {formatProgress(s.progress, s.episodeCount)}
        </li>
      ))}
    </ul>
  );
}

function ByUrl({ url }: { url: string }) {
  const shown = useRef<HTMLElement>(null);
  return (
    <div className="connect-row">
      <code className="connect-url" ref={shown} data-testid="connector-url">
        {url}
      </code>
      <CopyButton text={url} target={shown} label="Copy the URL" />
    </div>
  );
}

export default function ConnectPage() {
  const list = useApi<TokenListData>(TOKENS);
  const [label, setLabel] = useState('Claude Desktop');
  // Read-only unless the reader ticks a grant (ADR 0028).
  const [scopes, setScopes] = useState<TokenScope[]>([...DEFAULT_TOKEN_SCOPES]);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  // The one copy of the new token in the app: state, gone with "Done" or when the page closes.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const url = mcpUrl(API_BASE, window.location.origin);
  const inputId = useId();
  const full = list.data ? list.data.tokens.length >= list.data.limit : false;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = labelProblem(label);
    if (problem) {
      setFormError(problem);
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      const token = await api<CreatedToken>(TOKENS, { method: 'POST', json: { label: label.trim(), scopes } satisfies CreateTokenRequest });
      setCreated(token);
      setScopes([...DEFAULT_TOKEN_SCOPES]);
      list.reload();
    } catch (err) {
      setFormError(err instanceof ApiError && err.status === 409 ? err.message : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Connect an assistant</h1>
        <p>
          Let an AI assistant such as Claude Desktop ask Folio about what you are reading. It reads along with you: it sees only what you have read, up to your current
          place in each series, and it follows you as you read on. It cannot look ahead. A new token is read-only: it cannot move your place or see your conversations
          unless you allow it.
        </p>
        <Places />
        <section aria-labelledby="by-url-title" className="connect-form">
          <h2 id="by-url-title" className="section-title">
            Add Folio by its URL
          </h2>
          <p>
            Assistants that take a server's address (Claude's and ChatGPT's custom connectors, Claude Code) need only this. They send you to a Folio page to allow them,
            and get a read-only token you will find below.
          </p>
          <ByUrl url={url} />
        </section>
        <p className="muted">
          Or create a token for an assistant that takes one. Each assistant gets its own token. Tokens work only for Folio on this server, and you can revoke one at any
          time. <Link href="/">Back to the library</Link>
        </p>

        {created ? (
          <NewToken created={created} mcpUrl={url} onDone={() => setCreated(null)} />
        ) : (
          <form className="connect-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="create-title">
            <h2 id="create-title" className="section-title">
              Create a token
            </h2>
            <label className="field" htmlFor={inputId}>
              <span>Name it after the assistant or the device</span>
            </label>
            <div className="connect-row">
              <input
                id={inputId}
                className="text-input"
                value={label}
                maxLength={MAX_LABEL_LENGTH}
                autoComplete="off"
                onChange={(e) => setLabel(e.target.value)}
                aria-invalid={formError ? true : undefined}
                aria-describedby={formError ? `${inputId}-error` : undefined}
                data-testid="token-label"
              />
              <button type="submit" className="button button--primary" disabled={busy || full} data-testid="create-token">
                {busy ? 'Creating…' : 'Create token'}
              </button>
            </div>
            <ScopeChoices scopes={scopes} onChange={setScopes} disabled={busy} />
            {formError ? (
              <p className="form-error" role="alert" id={`${inputId}-error`}>
                {formError}
              </p>
            ) : full ? (
              <p className="muted">You have {list.data?.limit} tokens, the most you can have. Revoke one to make another.</p>
            ) : null}
          </form>
        )}

        <section aria-labelledby="tokens-title">
          <h2 id="tokens-title" className="section-title">
            Your assistant tokens
          </h2>
          {list.data ? (
            <TokenList
              tokens={list.data.tokens}
              onChanged={list.reload}
              onRevoked={(id) => {
                if (created?.id === id) setCreated(null);
                list.reload();
              }}
            />
          ) : list.error ? (
            <ErrorState error={list.error} onRetry={list.reload} title="Your tokens could not be loaded" />
          ) : (
            <Loading slow={list.slow}>
              <Skeleton className="skeleton-line wide" />
              <Skeleton className="skeleton-line" />
            </Loading>
          )}
        </section>
      </main>
    </>
  );
}
