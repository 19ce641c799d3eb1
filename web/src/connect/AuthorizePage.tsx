/**
 * `/authorize?request=<id>`: an assistant that was added by its URL asks to read along (ADR 0044). The reader sees
 * who asks and where the answer goes, and allows or denies; either way the browser goes back to the assistant.
 * What it gets is a read-only MCP token for this reader, listed and revocable on the Connect page.
 */
import { useState } from 'react';
import { Link } from 'wouter';
import type { AuthorizationAnswer, AuthorizationRequest } from '../../../src/contract/index.js';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useRequest } from '../ui/confirm';
import { SiteHeader } from '../ui/SiteHeader';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import './connect.css';

export default function AuthorizePage() {
  const id = new URLSearchParams(window.location.search).get('request') ?? '';
  const request = useApi<AuthorizationRequest>(id ? `/api/oauth/requests/${encodeURIComponent(id)}` : null);
  const { busy, error, run } = useRequest();
  const [leaving, setLeaving] = useState(false);

  const answer = (verdict: 'approve' | 'deny') =>
    run(async () => {
      const { redirectTo } = await api<AuthorizationAnswer>(`/api/oauth/requests/${encodeURIComponent(id)}/${verdict}`, { method: 'POST' });
      setLeaving(true);
      window.location.assign(redirectTo);
    });

  const r = request.data;
  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Connect an assistant</h1>
        {!id ? (
          <p role="alert">This page needs the link your assistant opened. Start again from the assistant.</p>
        ) : r ? (
          <section aria-labelledby="authorize-title" data-testid="authorize">
            <h2 className="section-title" id="authorize-title">
              “{r.clientName}” wants to read along with you
            </h2>
            <p>
              It will see only what you have read: your place in each series, the pages and the world up to there, and it can ask the companion about them. It cannot move
              your place, read your conversations, or see anything ahead of you.
            </p>
            <p className="muted">
              The name is what the assistant calls itself. If you allow it, you go back to <strong data-testid="redirect-host">{r.redirectHost}</strong>. You can revoke
              it any time on <Link href="/connect">Connect an assistant</Link>.
            </p>
            {error ? (
              <p className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="button button--primary" disabled={busy || leaving} onClick={() => void answer('approve')} data-testid="authorize-allow">
                {leaving ? 'Going back…' : 'Allow'}
              </button>
              <button type="button" className="button" disabled={busy || leaving} onClick={() => void answer('deny')} data-testid="authorize-deny">
                Deny
              </button>
            </div>
          </section>
        ) : request.error ? (
          <ErrorState error={request.error} onRetry={request.reload} title="This request cannot be shown" />
        ) : (
          <Loading slow={request.slow}>
            <Skeleton className="skeleton-line wide" />
          </Loading>
        )}
      </main>
    </>
  );
}
