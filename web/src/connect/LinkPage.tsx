/**
 * `/link`: make this browser the reader of another device (ADR 0041). The code comes from the other device's
 * Connect page, typed here or carried in this URL's fragment by its QR code; the fragment is removed at once so
 * the code is not left in the history. If this browser already is a reader, the server merges it into the
 * code's reader (furthest place per series, nothing lost) and says what came over. An account's passkey does the
 * same without the other device (passkeys.ts, ADR 0042).
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import type { LinkedDevice, LinkRequest, SignInMethods } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { invalidate, useApi } from '../api/use-api';
import { SiteHeader } from '../ui/SiteHeader';
import { codeFromHash } from './config';
import { communityLoginHere, communityLoginProblem, passkeysSupported, signInWithPasskey, startCommunityLogin } from './passkeys';
import './connect.css';

function mergedSummary(m: NonNullable<LinkedDevice['merged']>): string {
  const parts = [
    m.positions ? `your place in ${m.positions} series (the furthest place in each is kept)` : null,
    m.conversations ? `${m.conversations} conversation${m.conversations === 1 ? '' : 's'}` : null,
    m.assistantTokens ? `${m.assistantTokens} assistant token${m.assistantTokens === 1 ? '' : 's'}` : null,
    m.passkeys ? `${m.passkeys} passkey${m.passkeys === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  return parts.length ? `What this browser had came along: ${parts.join(', ')}.` : 'This browser had nothing of its own to bring along.';
}

export default function LinkPage() {
  const [code, setCode] = useState(() => codeFromHash(window.location.hash));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [linked, setLinked] = useState<LinkedDevice | null>(null);
  const inputId = useId();
  const methods = useApi<SignInMethods>('/api/readers/sign-in-methods');
  const withPasskey = methods.data?.passkeys === true && passkeysSupported();

  const [passkeyError, setPasskeyError] = useState<string | null>(null);
  // Back from the community login: `?signed_in=oidc`, or `?signin_error=<code>` (read once, then gone from the URL).
  const [returned] = useState(() => new URLSearchParams(window.location.search));
  const loginError = returned.get('signin_error');
  const loggedIn = returned.get('signed_in') === 'oidc';

  useEffect(() => {
    if (window.location.hash || window.location.search) window.history.replaceState(null, '', window.location.pathname);
    if (loggedIn) invalidate('/');
  }, [loggedIn]);

  /** Either way of signing in; what went wrong goes to `fail`. */
  const signIn = async (request: () => Promise<LinkedDevice>, fail: (message: string | null) => void) => {
    setBusy(true);
    fail(null);
    try {
      const result = await request();
      // Whatever was loaded was another reader's view: forget it all.
      invalidate('/');
      setLinked(result);
    } catch (err) {
      fail(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) {
      setError('Enter the code shown on your other device.');
      return;
    }
    void signIn(() => api<LinkedDevice>('/api/readers/link', { method: 'POST', json: { code } satisfies LinkRequest }), setError);
  };

  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Sign in on this device</h1>
        {loggedIn && !linked ? (
          <div role="status" data-testid="linked">
            <p>This browser is now your reader: same place in every series, same conversations as on your other devices. Anything it had read on its own came along.</p>
            <p>
              <Link href="/" className="button button--primary">
                Go to the library
              </Link>
            </p>
          </div>
        ) : linked ? (
          <div role="status" data-testid="linked">
            <p>This browser is now your reader: same place in every series, same conversations as on your other devices.</p>
            {linked.merged ? <p className="muted">{mergedSummary(linked.merged)}</p> : null}
            <p>
              <Link href="/" className="button button--primary">
                Go to the library
              </Link>
            </p>
          </div>
        ) : (
          <>
            {methods.data?.oidc && communityLoginHere() ? (
              <section className="connect-form" aria-labelledby="oidc-title">
                <h2 className="section-title" id="oidc-title">
                  With your {methods.data.oidc.name} login
                </h2>
                <p>Sign in where your community signs in; you come back here as your reader.</p>
                <button
                  type="button"
                  className="button button--primary"
                  disabled={busy}
                  onClick={() => startCommunityLogin('/link?signed_in=oidc')}
                  data-testid="oidc-sign-in"
                >
                  Sign in with {methods.data.oidc.name}
                </button>
                {loginError ? (
                  <p className="form-error" role="alert" data-testid="oidc-error">
                    {communityLoginProblem(loginError)}
                  </p>
                ) : null}
              </section>
            ) : null}
            {withPasskey ? (
              <section className="connect-form" aria-labelledby="passkey-title">
                <h2 className="section-title" id="passkey-title">
                  With your passkey
                </h2>
                <p>
                  If your reader is an account, sign in with its passkey. If this browser has a place of its own, it comes along: the furthest place in each series wins.
                </p>
                <button
                  type="button"
                  className="button button--primary"
                  disabled={busy}
                  onClick={() => void signIn(signInWithPasskey, setPasskeyError)}
                  data-testid="passkey-sign-in"
                >
                  {busy ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
                </button>
                {passkeyError ? (
                  <p className="form-error" role="alert">
                    {passkeyError}
                  </p>
                ) : null}
              </section>
            ) : null}
            <form className="connect-form" onSubmit={submit} noValidate aria-labelledby="code-title">
              <h2 className="section-title" id="code-title">
                With a code
              </h2>
              <p>
                On a device where you already read, open <strong>Devices → Link a device</strong>. Enter the code it shows. If this browser has a place of its own, it
                comes along: the furthest place in each series wins.
              </p>
              <label className="field" htmlFor={inputId}>
                <span>Code</span>
              </label>
              <div className="connect-row">
                <input
                  id={inputId}
                  className="text-input link-code-input"
                  value={code}
                  maxLength={16}
                  autoComplete="one-time-code"
                  autoCapitalize="characters"
                  spellCheck={false}
                  placeholder="K7QF-3M2X"
                  onChange={(e) => setCode(e.target.value)}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${inputId}-error` : undefined}
                  data-testid="link-code-input"
                />
                <button type="submit" className="button button--primary" disabled={busy} data-testid="link-submit">
                  {busy ? 'Linking…' : 'Link'}
                </button>
              </div>
              {error ? (
                <p className="form-error" role="alert" id={`${inputId}-error`}>
                  {error}
                </p>
              ) : null}
            </form>
          </>
        )}
      </main>
    </>
  );
}
