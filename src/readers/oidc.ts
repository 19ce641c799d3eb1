/**
 * Signing in with a community's OpenID Connect login (ADR 0043, docs/accounts.md): the authorization code flow with
 * PKCE (S256), state and nonce, by `openid-client`. The person's (issuer, subject) opens a reader, as a passkey does:
 * this device becomes that reader (devices.ts becomeReader, the reader it was merged in); someone new makes the
 * reader this device already is an account, or gets a new reader.
 *
 * The flow waits in `sign_in_challenges` (any replica may take the callback), single use and short-lived, and the
 * route binds it to the browser that started it with a cookie holding its id: a code from a flow started in another
 * browser (login CSRF, an injected code) finds no flow there, or one whose state does not match. Nothing is written
 * before the provider's answer is verified, and then in one statement per case: a failure leaves only the spent flow.
 */
import type * as OpenId from 'openid-client';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { becomeReader, type Linked } from './devices.js';
import * as q from './queries.js';
import { hashReaderToken, newReaderToken } from './tokens.js';

/**
 * openid-client (with jose) loads on the first sign-in, not at start-up: most Folios configure no provider, and a
 * configured one is used once per device, not per request.
 */
let openidModule: Promise<typeof OpenId> | null = null;
const openid = () => (openidModule ??= import('openid-client'));

/** Time to sign in at the provider (a password, a second factor): generous, and the flow still works once. */
export const FLOW_TTL_S = 10 * 60;
/** An issuer that does not answer in this many seconds is down: a clear 503, never a hung sign-in. */
export const PROVIDER_TIMEOUT_S = 5;
/** What Folio asks the provider: who the person is, and a name or address to show in the list. */
export const SCOPES = 'openid email profile';
const LABEL_MAX = 120;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** What `GET /api/readers/sign-in-methods` shows: the issuer, and its host as a name for the button. */
export function providerName(issuer: string): string {
  return new URL(issuer).host;
}

/**
 * A return path the callback may redirect to: a path on this site (`/series/x?p=2`), never another site
 * (`//evil.example`, `/\evil.example`, `https://…`). Null when it is not one.
 */
export function returnPath(input: string | undefined): string | null {
  if (input === undefined || input === '') return '/';
  // Control characters (a tab, a newline) and backslashes are refused: browsers drop or read them as "/".
  if (input.length > 1000 || !/^\/(?![/\\])/.test(input) || input.includes('\\') || [...input].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f')) {
    return null;
  }
  const base = 'http://folio.invalid';
  const url = new URL(input, base);
  return url.origin === base ? url.pathname + url.search + url.hash : null;
}

interface FlowData {
  verifier: string;
  nonce: string;
  returnTo: string;
}

const isFlowData = (d: unknown): d is FlowData =>
  typeof d === 'object' && d !== null && ['verifier', 'nonce', 'returnTo'].every((k) => typeof (d as Record<string, unknown>)[k] === 'string');

export interface SignedInWithOidc extends Linked {
  /** The page the flow was started from. */
  returnTo: string;
}

const STALE = 'This sign-in is unknown, used or expired (it lasts 10 minutes, works once, and only in the browser that started it). Start again.';

/** One provider, its metadata discovered once (again after a failure) and kept in memory. */
export class OidcLogin {
  readonly issuer: string;
  readonly name: string;
  private discovered: Promise<OpenId.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    private readonly timeoutS = PROVIDER_TIMEOUT_S,
  ) {
    this.issuer = settings.issuer;
    this.name = providerName(settings.issuer);
  }

  private unavailable(err: unknown): FolioError {
    // The reason is kept for the log (the route logs it); it never holds the secret, a code or a token.
    const reason = err instanceof Error ? err.message : String(err);
    return new FolioError('unavailable:oidc', `The sign-in service ${this.name} cannot be reached right now (${reason}). Try again in a moment, or sign in another way.`);
  }

  /** The provider's metadata; a failed discovery is not kept, so the next sign-in asks again. */
  async configuration(): Promise<OpenId.Configuration> {
    if (!this.discovered) {
      const url = new URL(this.settings.issuer);
      this.discovered = openid()
        .then((client) =>
          client.discovery(url, this.settings.clientId, this.settings.clientSecret, undefined, {
            timeout: this.timeoutS,
            // http is only accepted for a provider on this machine (config/env.ts).
            execute: url.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          }),
        )
        .catch((err: unknown) => {
          this.discovered = null;
          throw this.unavailable(err);
        });
    }
    return this.discovered;
  }

  /** Step 1: a new flow and the provider's URL to send the browser to. `flowId` goes in the browser's flow cookie. */
  async startSignIn(db: Db, publicOrigin: string, returnTo: string): Promise<{ url: string; flowId: string }> {
    const config = await this.configuration();
    const client = await openid();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callbackUri(publicOrigin),
      scope: SCOPES,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const flowId = await q.putChallenge(
      db,
      { purpose: 'oidc:sign-in', readerId: null, challenge: state, origin: publicOrigin, data: { verifier, nonce, returnTo } satisfies FlowData },
      FLOW_TTL_S,
    );
    return { url: url.href, flowId };
  }

  /**
   * Step 2, the provider's redirect back: `query` is the callback's query string, `flowId` the browser's flow cookie
   * and `current` the reader this device already is. The flow is spent first; the code is exchanged (PKCE verifier,
   * state and nonce checked by openid-client); then the person's reader is opened on this device.
   */
  async finishSignIn(
    db: Db,
    flowId: string | null,
    query: string,
    deviceLabel: string,
    current: { readerId: string; deviceId: string } | null,
  ): Promise<SignedInWithOidc> {
    if (flowId === null || !/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(flowId)) throw new FolioError('not_found:oidc_flow', STALE);
    const flow = await q.takeChallenge(db, flowId, 'oidc:sign-in', null);
    if (!flow || !isFlowData(flow.data)) throw new FolioError('not_found:oidc_flow', STALE);
    const config = await this.configuration();
    const client = await openid();
    const callback = new URL(`${callbackUri(flow.origin)}${query.startsWith('?') ? query : `?${query}`}`);
    let claims: OpenId.IDToken;
    let tokens: Awaited<ReturnType<typeof OpenId.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: flow.data.verifier,
        expectedState: flow.challenge,
        expectedNonce: flow.data.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims()!;
    } catch (err) {
      throw this.refused(client, err);
    }
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
      throw new FolioError('bad_request:oidc', `${this.name} did not say who signed in (no usable "sub"). Ask the community's administrator.`);
    }
    // The id token's issuer, checked against the discovered one: the same person at another provider is someone else.
    const issuer = claims.iss;
    const label = (await this.label(config, tokens.access_token, claims)).slice(0, LABEL_MAX);
    const identity = { issuer, subject, label };
    const { returnTo } = flow.data;

    const known = await q.identityReader(db, issuer, subject, label);
    if (known !== null) return { ...(await becomeReader(db, known, deviceLabel, current, 'Sign in again.')), returnTo };
    if (current) {
      // Someone new on a device that is a reader: that reader becomes the account, nothing moves. A fresh token still.
      if (await q.insertIdentity(db, current.readerId, identity))
        return { ...(await becomeReader(db, current.readerId, deviceLabel, current, 'Sign in again.')), returnTo };
    } else {
      const token = newReaderToken();
      const made = await q.insertReaderWithIdentity(db, hashReaderToken(token), deviceLabel, identity);
      if (made) return { ...made, token, merged: null, returnTo };
    }
    // The same person signed in at the same moment elsewhere and got the identity first: open theirs.
    const raced = await q.identityReader(db, issuer, subject, label);
    if (raced === null) throw new FolioError('not_found:reader', 'That reader no longer exists. Sign in again.');
    return { ...(await becomeReader(db, raced, deviceLabel, current, 'Sign in again.')), returnTo };
  }

  /** What the identity list shows: the id token's email, user name or name, else the provider's userinfo, else the subject. */
  private async label(config: OpenId.Configuration, accessToken: string, claims: OpenId.IDToken): Promise<string> {
    const pick = (c: Record<string, unknown>) =>
      [c.email, c.preferred_username, c.name].find((v): v is string => typeof v === 'string' && v.trim() !== '')?.trim() ?? null;
    const fromToken = pick(claims);
    if (fromToken) return fromToken;
    // Providers that keep the id token small put the profile in userinfo. Best effort: the label is only a label.
    const info = await (await openid()).fetchUserInfo(config, accessToken, claims.sub).catch(() => null);
    return (info && pick(info)) ?? claims.sub;
  }

  /** The provider's answer was refused: its error, a failed check, or the provider gone meanwhile. */
  private refused(client: typeof OpenId, err: unknown): FolioError {
    if (err instanceof FolioError) return err;
    if (err instanceof client.AuthorizationResponseError) {
      // The person cancelled at the provider, or it refused them (access_denied, …).
      return new FolioError(
        'bad_request:oidc',
        `${this.name} did not sign you in (${err.error}${err.error_description ? `: ${err.error_description}` : ''}). Start again.`,
      );
    }
    if (err instanceof client.ResponseBodyError) {
      // invalid_grant: a code used already (a replayed callback) or expired.
      return new FolioError('bad_request:oidc', `${this.name} refused the sign-in (${err.error}). Start again.`);
    }
    // Timed out, aborted, or the provider answered with an error page instead of JSON: it is down, not the answer wrong.
    const unreachable = ['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON', undefined];
    if (err instanceof client.ClientError && !unreachable.includes(err.code)) {
      return new FolioError('bad_request:oidc', `The answer from ${this.name} did not pass Folio's checks (${err.message}). Start again.`);
    }
    return this.unavailable(err);
  }
}

/** The redirect URI Folio registers at the provider: `<public origin>/api/readers/oidc/callback`. */
export function callbackUri(publicOrigin: string): string {
  return `${publicOrigin}/api/readers/oidc/callback`;
}

export async function removeIdentity(db: Db, readerId: string, id: string): Promise<void> {
  if (!(await q.deleteIdentity(db, readerId, id))) throw new FolioError('not_found:identity', 'This reader has no such sign-in (removed already?).');
}
