/**
 * `/link`: make this browser the reader of another device (ADR 0041). The code comes from the other device's
 * Connect page, typed here or carried in this URL's fragment by its QR code; the fragment is removed at once so
 * the code is not left in the history. If this browser already is a reader, the server merges it into the
 * code's reader (furthest place per series, nothing lost) and says what came over.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import type { LinkedDevice, LinkRequest } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { invalidate } from '../api/use-api';
import { SiteHeader } from '../ui/SiteHeader';
import { codeFromHash } from './config';
import './connect.css';

function mergedSummary(m: NonNullable<LinkedDevice['merged']>): string {
  const parts = [
    m.positions ? `your place in ${m.positions} series (the furthest place in each is kept)` : null,
    m.conversations ? `${m.conversations} conversation${m.conversations === 1 ? '' : 's'}` : null,
    m.assistantTokens ? `${m.assistantTokens} assistant token${m.assistantTokens === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  return parts.length ? `What this browser had came along: ${parts.join(', ')}.` : 'This browser had nothing of its own to bring along.';
}

export default function LinkPage() {
  const [code, setCode] = useState(() => codeFromHash(window.location.hash));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [linked, setLinked] = useState<LinkedDevice | null>(null);
  const inputId = useId();

  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) {
      setError('Enter the code shown on your other device.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await api<LinkedDevice>('/api/readers/link', { method: 'POST', json: { code } satisfies LinkRequest });
      // Whatever was loaded was another reader's view: forget it all.
      invalidate('/');
      setLinked(result);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Link this device</h1>
        {linked ? (
          <div role="status" data-testid="linked">
            <p>This browser is now the same reader as your other device: same place in every series, same conversations.</p>
            {linked.merged ? <p className="muted">{mergedSummary(linked.merged)}</p> : null}
            <p>
              <Link href="/" className="button button--primary">
                Go to the library
              </Link>
            </p>
          </div>
        ) : (
          <form className="connect-form" onSubmit={(e) => void submit(e)} noValidate>
            <p>
              On a device where you already read, open <strong>Devices → Link a device</strong>. Enter the code it shows. If this browser has a place of its own, it comes
              along: the furthest place in each series wins.
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
        )}
      </main>
    </>
  );
}
