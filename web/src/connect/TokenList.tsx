/** The reader's assistant tokens (never the tokens themselves): label, created, last used, Revoke with a confirmation. */
import { useState } from 'react';
import type { AssistantToken } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { Dialog } from '../ui/Dialog';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{when.format(new Date(iso))}</time>;
}

export function TokenList({ tokens, onRevoked }: { tokens: AssistantToken[]; onRevoked: (id: string) => void }) {
  const [confirm, setConfirm] = useState<AssistantToken | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const revoke = async (t: AssistantToken) => {
    setBusy(true);
    setError(null);
    try {
      await api<void>(`/api/readers/me/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
      setConfirm(null);
      onRevoked(t.id);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (tokens.length === 0)
    return (
      <p className="empty" data-testid="no-tokens">
        No assistant tokens yet.
      </p>
    );
  return (
    <>
      <ul className="token-list" data-testid="token-list">
        {tokens.map((t) => (
          <li key={t.id} className="token-item" data-testid="token-item" data-token-id={t.id}>
            <div className="token-item-text">
              <strong className="token-label">{t.label}</strong>
              <span className="muted">
                Created <Time iso={t.createdAt} /> ·{' '}
                {t.lastUsedAt ? (
                  <>
                    Last used <Time iso={t.lastUsedAt} />
                  </>
                ) : (
                  'Never used'
                )}
              </span>
            </div>
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setError(null);
                setConfirm(t);
              }}
              aria-label={`Revoke “${t.label}”`}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <Dialog open={confirm !== null} title="Revoke this token?" onClose={() => setConfirm(null)} labelledBy="revoke-title">
        <p>The assistant using “{confirm?.label}” stops working at once. Your reading and your other tokens are not affected.</p>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button button--danger" disabled={busy} onClick={() => confirm && void revoke(confirm)} data-testid="confirm-revoke">
            {busy ? 'Revoking…' : 'Revoke'}
          </button>
          {/* biome-ignore lint/a11y/noAutofocus: a modal dialog puts focus on its least destructive action when it opens (WAI-ARIA dialog pattern) */}
          <button type="button" className="button" onClick={() => setConfirm(null)} autoFocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
