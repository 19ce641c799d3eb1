/**
 * The reader's assistant tokens (never the tokens themselves): label, what each may do, created, last used;
 * "Change access" to grant or take back scopes (ADR 0028), Revoke with a confirmation.
 */
import { useState } from 'react';
import type { AssistantToken, TokenScope, UpdateTokenRequest } from '../../../src/contract/index.js';
import { api } from '../api/client';
import { ConfirmActions, useRequest } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { ScopeChoices } from './ScopeChoices';
import { sameScopes, scopeSummary } from './scopes';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{when.format(new Date(iso))}</time>;
}

export function TokenList({ tokens, onRevoked, onChanged }: { tokens: AssistantToken[]; onRevoked: (id: string) => void; onChanged: () => void }) {
  const [confirm, setConfirm] = useState<AssistantToken | null>(null);
  const { busy, error, setError, run } = useRequest();
  // The token whose access is being changed, and the scopes ticked so far (saved only with "Save").
  const [editing, setEditing] = useState<{ token: AssistantToken; scopes: TokenScope[] } | null>(null);

  const tokenPath = (t: AssistantToken) => `/api/readers/me/tokens/${encodeURIComponent(t.id)}`;

  const save = (token: AssistantToken, scopes: TokenScope[]) =>
    run(async () => {
      await api<AssistantToken>(tokenPath(token), { method: 'PATCH', json: { scopes } satisfies UpdateTokenRequest });
      setEditing(null);
      onChanged();
    });

  const revoke = (t: AssistantToken) =>
    run(async () => {
      await api<void>(tokenPath(t), { method: 'DELETE' });
      setConfirm(null);
      onRevoked(t.id);
    });

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
              <span className="token-scopes" data-testid="token-scopes">
                {t.connector ? `Connected by URL · ${scopeSummary(t.scopes)}` : scopeSummary(t.scopes)}
              </span>
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
            <div className="token-actions">
              {/* A connector asked for read-only MCP and renews its own token: what it may do stays what was approved. */}
              {t.connector ? null : (
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => {
                    setError(null);
                    setEditing({ token: t, scopes: [...t.scopes] });
                  }}
                  aria-label={`Change what “${t.label}” may do`}
                  data-testid="change-scopes"
                >
                  Change access
                </button>
              )}
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
            </div>
          </li>
        ))}
      </ul>
      <Dialog open={editing !== null} title={`What may “${editing?.token.label ?? ''}” do?`} onClose={() => setEditing(null)} labelledBy="scopes-title">
        {editing ? <ScopeChoices scopes={editing.scopes} onChange={(scopes) => setEditing({ ...editing, scopes })} disabled={busy} /> : null}
        <p className="muted">A change applies to the assistant’s next request.</p>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button
            type="button"
            className="button button--primary"
            disabled={busy || !editing || sameScopes(editing.scopes, editing.token.scopes)}
            onClick={() => editing && void save(editing.token, editing.scopes)}
            data-testid="save-scopes"
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </div>
      </Dialog>
      <Dialog open={confirm !== null} title="Revoke this token?" onClose={() => setConfirm(null)} labelledBy="revoke-title">
        <p>The assistant using “{confirm?.label}” stops working at once. Your reading and your other tokens are not affected.</p>
        <ConfirmActions
          error={error}
          busy={busy}
          label="Revoke"
          busyLabel="Revoking…"
          onConfirm={() => confirm && void revoke(confirm)}
          onCancel={() => setConfirm(null)}
          testId="confirm-revoke"
        />
      </Dialog>
    </>
  );
}
