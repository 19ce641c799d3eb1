/**
 * The device list of `/devices` (ADR 0041): the devices that are this reader, with their last use; sign one
 * out (never the last), sign out all the others; and "Link a device": a one-time code, with a QR code that opens
 * `/link#CODE` on a phone (a fragment, so the code never reaches a server log), valid for a few minutes.
 */
import { useEffect, useRef, useState } from 'react';
import type { DeviceList, LinkCode, ReaderDevice, SignedOut } from '../../../src/contract/index.js';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { ConfirmActions, useRequest } from '../ui/confirm';
import { Dialog } from '../ui/Dialog';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { linkUrl } from './config';
import { QrCode } from './QrCode';

const DEVICES = '/api/readers/me/devices';
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Seconds left until `iso`, ticking. */
function useSecondsLeft(iso: string | null): number {
  const left = () => (iso ? Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000)) : 0);
  const [s, setS] = useState(left);
  // biome-ignore lint/correctness/useExhaustiveDependencies: left reads iso, the one dependency
  useEffect(() => {
    setS(left());
    if (!iso) return;
    const t = setInterval(() => setS(left()), 1000);
    return () => clearInterval(t);
  }, [iso]);
  return s;
}

function LinkCodePanel({ code, onDone }: { code: LinkCode; onDone: () => void }) {
  const left = useSecondsLeft(code.expiresAt);
  const url = linkUrl(window.location.origin, code.code);
  const panel = useRef<HTMLDivElement>(null);
  // The section sits low on the page: bring the code into view, and focus to it for screen readers.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'nearest' });
    panel.current?.focus();
  }, []);
  return (
    <div className="link-code" data-testid="link-code-panel" ref={panel} tabIndex={-1}>
      <h3 className="section-title">Link a device</h3>
      {left > 0 ? (
        <>
          <p>
            On the other device, open <strong>{window.location.host}/link</strong> and enter this code, or scan the QR code with its camera. It works once.
          </p>
          <div className="link-code-row">
            <code className="link-code-value" data-testid="link-code">
              {code.code}
            </code>
            <QrCode text={url} label={`QR code that opens ${window.location.host}/link with the code`} />
          </div>
          <p className="muted" aria-live="polite">
            Valid for {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')} more.
          </p>
        </>
      ) : (
        <p role="status">This code has expired. Make a new one.</p>
      )}
      <button type="button" className="button" onClick={onDone} data-testid="link-code-done">
        Done
      </button>
    </div>
  );
}

/** `stamp` changes when the account part of the page added or removed a passkey: the list says anew what may sign out. */
export function Devices({ stamp = 0 }: { stamp?: number }) {
  const list = useApi<DeviceList>(DEVICES);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on a new stamp only
  useEffect(() => {
    if (stamp > 0) list.reload();
  }, [stamp]);
  const [code, setCode] = useState<LinkCode | null>(null);
  const [confirm, setConfirm] = useState<ReaderDevice | 'others' | 'everywhere' | null>(null);
  const { busy, error, setError, run } = useRequest();

  const newCode = () => run(async () => setCode(await api<LinkCode>('/api/readers/me/link-codes', { method: 'POST' })));
  const signOut = (target: ReaderDevice | 'others' | 'everywhere') =>
    run(async () => {
      if (target === 'others') await api<SignedOut>(DEVICES, { method: 'DELETE' });
      else if (target === 'everywhere') await api<SignedOut>(`${DEVICES}?including=this`, { method: 'DELETE' });
      else await api<void>(`${DEVICES}/${encodeURIComponent(target.id)}`, { method: 'DELETE' });
      setConfirm(null);
      // This browser signed itself out: it is nobody now; start over as the library would.
      if (target === 'everywhere' || (target !== 'others' && target.current)) window.location.assign('/');
      else list.reload();
    });

  const devices = list.data?.devices ?? [];
  const account = list.data?.account ?? false;
  // Without an account the last device is the only way back to the reader; with one, its passkey is.
  const lastOne = devices.length === 1 && !account;
  return (
    <section aria-label="Your devices" className="devices">
      {code ? (
        <LinkCodePanel code={code} onDone={() => setCode(null)} />
      ) : (
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void newCode()} data-testid="link-device">
          Link a device
        </button>
      )}
      {error && confirm === null ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {list.data ? (
        <ul className="token-list" data-testid="device-list">
          {devices.map((d) => (
            <li key={d.id} className="token-item" data-testid="device-item">
              <div className="token-item-text">
                <strong className="token-label">
                  {d.label}
                  {d.current ? <span className="device-current"> (this device)</span> : null}
                </strong>
                <span className="muted">
                  Since <time dateTime={d.createdAt}>{when.format(new Date(d.createdAt))}</time> · last seen{' '}
                  <time dateTime={d.lastSeenAt}>{when.format(new Date(d.lastSeenAt))}</time>
                </span>
              </div>
              <div className="token-actions">
                <button
                  type="button"
                  className="button button--small"
                  disabled={lastOne}
                  title={lastOne ? 'Your only device: add a passkey or link another device first' : undefined}
                  onClick={() => {
                    setError(null);
                    setConfirm(d);
                  }}
                  aria-label={`Sign out “${d.label}”${d.current ? ' (this device)' : ''}`}
                  data-testid="sign-out-device"
                >
                  Sign out
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Your devices could not be loaded" />
      ) : (
        <Loading slow={list.slow}>
          <Skeleton className="skeleton-line wide" />
        </Loading>
      )}
      {devices.length > 1 ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setError(null);
            setConfirm('others');
          }}
          data-testid="sign-out-others"
        >
          Sign out all other devices
        </button>
      ) : null}
      {account ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setError(null);
            setConfirm('everywhere');
          }}
          data-testid="sign-out-everywhere"
        >
          Sign out everywhere
        </button>
      ) : null}
      <Dialog open={confirm !== null} title={confirmTitle(confirm)} onClose={() => setConfirm(null)}>
        <p>
          {confirm === 'others'
            ? 'Every other device stops being your reader at once. Link them again with a new code.'
            : confirm === 'everywhere'
              ? 'Every device, this one too, stops being your reader at once. Sign in again with your passkey on any of them.'
              : confirm?.current
                ? account
                  ? 'This browser stops being your reader. Sign in again with your passkey.'
                  : 'This browser stops being your reader. Your other devices keep your place; link this one again with a code from them.'
                : `“${confirm?.label ?? ''}” stops being your reader at once. Your place stays with your other devices.`}
        </p>
        <ConfirmActions
          error={error}
          busy={busy}
          label="Sign out"
          busyLabel="Signing out…"
          onConfirm={() => confirm && void signOut(confirm)}
          onCancel={() => setConfirm(null)}
          testId="confirm-sign-out"
        />
      </Dialog>
    </section>
  );
}

function confirmTitle(confirm: ReaderDevice | 'others' | 'everywhere' | null): string {
  if (confirm === 'others') return 'Sign out all other devices?';
  if (confirm === 'everywhere') return 'Sign out everywhere?';
  return confirm?.current ? 'Sign out this device?' : 'Sign out that device?';
}
