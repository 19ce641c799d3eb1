/**
 * The account part of `/devices` (ADR 0042): a reader with a passkey is an account, which any device can sign in to
 * (on `/link`). Add the first passkey to become one, more for other authenticators, remove one. Hidden when this
 * Folio has accounts off (FOLIO_ACCOUNTS=off).
 */
import { useId, useState } from 'react';
import type { Identity, IdentityList, Passkey, PasskeyList, SignInMethods } from '../../../src/contract/index.js';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { ConfirmActions, useRequest } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { addPasskey, communityLoginHere, passkeysSupported, startCommunityLogin } from './passkeys';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function Account({ onChange }: { onChange: () => void }) {
  const methods = useApi<SignInMethods>('/api/readers/sign-in-methods');
  const m = methods.data;
  const oidc = communityLoginHere() ? (m?.oidc ?? null) : null;
  if (!m?.passkeys && !oidc) return null;
  return (
    <section aria-labelledby="account-title" className="account">
      <h2 className="section-title" id="account-title">
        Your account
      </h2>
      {m?.passkeys ? (
        passkeysSupported() ? (
          <Passkeys onChange={onChange} />
        ) : (
          <p className="muted">This browser cannot use passkeys. Link your devices with a code below, or open Folio in a browser that can.</p>
        )
      ) : null}
      {oidc ? <Logins name={oidc.name} onChange={onChange} /> : null}
    </section>
  );
}

/** The community's login (OpenID Connect, ADR 0043) this reader signs in with, if any; connect it, or remove it. */
function Logins({ name, onChange }: { name: string; onChange: () => void }) {
  const list = useApi<IdentityList>('/api/readers/me/identities');
  const { busy, error, run } = useRequest();
  const remove = (i: Identity) =>
    run(async () => {
      await api<void>(`/api/readers/me/identities/${encodeURIComponent(i.id)}`, { method: 'DELETE' });
      list.reload();
      onChange();
    });
  const identities = list.data?.identities ?? [];
  return (
    <div className="account-logins" data-testid="logins">
      {identities.length === 0 ? (
        <p>
          Or sign in with your <strong>{name}</strong> login: this reader becomes that login's, on every device where you sign in with it.
        </p>
      ) : (
        <ul className="token-list">
          {identities.map((i) => (
            <li key={i.id} className="token-item" data-testid="login-item">
              <div className="token-item-text">
                <strong className="token-label">
                  {name}: {i.label}
                </strong>
                <span className="muted">Sign in with it on any device.</span>
              </div>
              <div className="token-actions">
                <button type="button" className="button button--small" disabled={busy} onClick={() => void remove(i)} aria-label={`Remove the ${name} login ${i.label}`}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {identities.length === 0 ? (
        <button type="button" className="button button--small" onClick={() => startCommunityLogin('/devices')} data-testid="connect-login">
          Sign in with {name}
        </button>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function Passkeys({ onChange }: { onChange: () => void }) {
  const list = useApi<PasskeyList>('/api/readers/me/passkeys');
  const [name, setName] = useState('');
  const [confirm, setConfirm] = useState<Passkey | null>(null);
  const { busy, error, setError, run } = useRequest();
  const nameId = useId();

  const changed = () => {
    list.reload();
    onChange();
  };
  const add = () =>
    run(async () => {
      await addPasskey(name.trim() || undefined);
      setName('');
      changed();
    });
  const remove = (p: Passkey) =>
    run(async () => {
      await api<void>(`/api/readers/me/passkeys/${encodeURIComponent(p.id)}`, { method: 'DELETE' });
      setConfirm(null);
      changed();
    });

  if (!list.data) {
    return list.error ? (
      <ErrorState error={list.error} onRetry={list.reload} title="Your passkeys could not be loaded" />
    ) : (
      <Loading slow={list.slow}>
        <Skeleton className="skeleton-line wide" />
      </Loading>
    );
  }
  const passkeys = list.data.passkeys;
  return (
    <>
      {passkeys.length === 0 ? (
        <>
          <p>
            Make this reader an account with a <strong>passkey</strong> (your device's fingerprint, face or screen lock, or a security key). Then sign in with it on any
            device, and your place is safe even if this browser forgets you. Nothing you have read or asked is lost, and there is no password.
          </p>
          <label className="field" htmlFor={nameId}>
            <span>A name your device shows when you pick the passkey (optional)</span>
          </label>
          <div className="connect-row">
            <input
              id={nameId}
              className="text-input"
              value={name}
              maxLength={60}
              placeholder="Folio reader"
              onChange={(e) => setName(e.target.value)}
              data-testid="passkey-name"
            />
            <button type="button" className="button button--primary" disabled={busy} onClick={() => void add()} data-testid="create-account">
              {busy ? 'Waiting for your passkey…' : 'Create an account with a passkey'}
            </button>
          </div>
        </>
      ) : (
        <>
          <p data-testid="account-status">
            This reader is an account. On another device, open <strong>{window.location.host}/link</strong> and sign in with one of these passkeys.
          </p>
          <ul className="token-list" data-testid="passkey-list">
            {passkeys.map((p) => (
              <li key={p.id} className="token-item" data-testid="passkey-item">
                <div className="token-item-text">
                  <strong className="token-label">Passkey added on {p.label}</strong>
                  <span className="muted">
                    Added <time dateTime={p.createdAt}>{when.format(new Date(p.createdAt))}</time>
                    {p.lastUsedAt ? (
                      <>
                        {' '}
                        · last used <time dateTime={p.lastUsedAt}>{when.format(new Date(p.lastUsedAt))}</time>
                      </>
                    ) : null}
                  </span>
                </div>
                <div className="token-actions">
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => {
                      setError(null);
                      setConfirm(p);
                    }}
                    aria-label={`Remove the passkey added on ${p.label}`}
                    data-testid="remove-passkey"
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
          <button type="button" className="button button--small" disabled={busy} onClick={() => void add()} data-testid="add-passkey">
            {busy ? 'Waiting for your passkey…' : 'Add another passkey'}
          </button>
        </>
      )}
      {error && confirm === null ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <Dialog open={confirm !== null} title="Remove this passkey?" onClose={() => setConfirm(null)}>
        <p>
          {passkeys.length === 1
            ? 'It is your only one: the reader stops being an account. Your devices keep reading as before, but no other device can sign in to it.'
            : 'It stops opening this reader at once. Your other passkeys still do.'}{' '}
          Your device may keep it in its list until you delete it there too.
        </p>
        <ConfirmActions
          error={error}
          busy={busy}
          label="Remove"
          busyLabel="Removing…"
          onConfirm={() => confirm && void remove(confirm)}
          onCancel={() => setConfirm(null)}
          testId="confirm-remove-passkey"
        />
      </Dialog>
    </>
  );
}
