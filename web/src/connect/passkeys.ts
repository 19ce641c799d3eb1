/**
 * The browser half of passkeys (ADR 0042): ask the server for options, let the browser and the authenticator do
 * the ceremony (@simplewebauthn/browser), send the answer back. What the authenticator refuses or the reader
 * cancels becomes a sentence, never an exception text.
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import type { LinkedDevice, Passkey, PasskeyAddOptions, PasskeySignInOptions } from '../../../src/contract/index.js';
import { API_BASE, api } from '../api/client';

export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/** Add a passkey to this reader (the first makes it an account). `name`: what the authenticator lists it as. */
export async function addPasskey(name?: string): Promise<Passkey> {
  const { challengeId, options } = await api<PasskeyAddOptions>('/api/readers/me/passkeys/options', { method: 'POST', json: name ? { name } : {} });
  const response = await ceremony(() => startRegistration({ optionsJSON: options }));
  return api<Passkey>('/api/readers/me/passkeys', { method: 'POST', json: { challengeId, response } });
}

/** Sign in with a passkey: this browser becomes its reader (what it had of its own comes along). */
export async function signInWithPasskey(): Promise<LinkedDevice> {
  const { challengeId, options } = await api<PasskeySignInOptions>('/api/readers/passkeys/sign-in-options', { method: 'POST' });
  const response = await ceremony(() => startAuthentication({ optionsJSON: options }));
  return api<LinkedDevice>('/api/readers/passkeys/sign-in', { method: 'POST', json: { challengeId, response } });
}

async function ceremony<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new Error(ceremonyProblem(err));
  }
}

/** Why the browser's passkey prompt ended without a passkey, for people. */
export function ceremonyProblem(err: unknown): string {
  // The library names the errors it recognises; the rest (a closed prompt: NotAllowedError) it passes through.
  const passthrough = err instanceof WebAuthnError && err.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY';
  const name = err instanceof WebAuthnError && !passthrough ? err.code : ((passthrough ? err.cause : err) as Error | undefined)?.name;
  switch (name) {
    case 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED':
    case 'InvalidStateError':
      return 'This device already holds a passkey for this reader.';
    case 'NotAllowedError':
    case 'ERROR_CEREMONY_ABORTED':
      return 'No passkey was used (the prompt was closed or timed out). Try again when you are ready.';
    case 'ERROR_INVALID_DOMAIN':
    case 'SecurityError':
      return 'Passkeys need Folio on https or on localhost, under a host name.';
    default:
      return `Your browser could not use a passkey: ${(err as Error | undefined)?.message ?? 'unknown reason'}.`;
  }
}

/**
 * The community's login comes back to the API's origin, where it sets the reader's cookie: a build whose API is on
 * another origin (VITE_API_BASE_URL) would not see it, so it does not offer the login (docs/accounts.md).
 */
export const communityLoginHere = (): boolean => API_BASE === '';

/**
 * Sign in with the community's login (OpenID Connect, ADR 0043): a navigation to the provider and back. `back` is
 * where Folio returns this browser afterwards (a path of this app).
 */
export function startCommunityLogin(back: string): void {
  window.location.assign(`${API_BASE}/api/readers/oidc/start?return=${encodeURIComponent(back)}`);
}

/** What `/link?signin_error=<code>` means, for people (the provider's sign-in came back without a reader). */
export function communityLoginProblem(code: string): string {
  switch (code) {
    case 'unavailable:oidc':
      return 'The community login is not answering right now. Try again in a moment, or link this device with a code.';
    case 'not_found:oidc_flow':
      return 'That sign-in took too long or was already used. Start it again.';
    case 'rate_limit:sign_in':
      return 'Too many sign-in attempts from this network. Wait a minute and try again.';
    case 'bad_request:oidc':
      return 'The login did not finish (it was cancelled, or the answer was not for this browser). Nothing changed; start it again.';
    default:
      return 'The sign-in did not finish. Nothing changed; start it again.';
  }
}
