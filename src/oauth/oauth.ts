/**
 * Folio as the OAuth 2.1 authorization server of its own `/mcp` (ADR 0044, docs/mcp.md), as the MCP authorization
 * specification asks (revisions 2025-06-18 and 2025-11-25): dynamic client registration (RFC 7591) for public
 * clients, the authorization code grant with PKCE S256 only and exact redirect URIs, a consent page in the web app
 * that the reader answers, refresh tokens that rotate, revocation (RFC 7009). What a client gets is an assistant
 * token (ADR 0015) with the read-only MCP scope, an hour's life and a refresh token: listed and revocable on the
 * Connect page like any other. Rules only: HTTP is http/routes/oauth.ts, SQL is queries.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { MAX_ASSISTANT_TOKENS, MAX_LABEL_LENGTH } from '../readers/assistant-tokens.js';
import { hashReaderToken, newReaderToken } from '../readers/tokens.js';
import * as q from './queries.js';

/** An access token lives an hour; the client renews it with its refresh token, which rotates on every use. */
export const ACCESS_TOKEN_TTL_S = 3600;
/** The reader has 10 minutes to answer the consent page; the code it makes lives one minute. */
export const REQUEST_TTL_S = 10 * 60;
export const CODE_TTL_S = 60;
/** The one scope a connector gets: the MCP read tools, asking included (what "read along with you" means). */
export const CONNECTOR_SCOPE = 'mcp:read';

/** An error the OAuth protocol defines (`{ error, error_description }`), not Folio's own error body. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'unauthorized_client'
      | 'unsupported_grant_type'
      | 'invalid_scope'
      | 'invalid_client_metadata'
      | 'invalid_redirect_uri',
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

/** The URLs a client discovers (RFC 8414, RFC 9728), all on the origin Folio is reached at. */
export function endpoints(origin: string) {
  return {
    issuer: origin,
    resource: `${origin}/mcp`,
    authorization: `${origin}/oauth/authorize`,
    token: `${origin}/oauth/token`,
    registration: `${origin}/oauth/register`,
    revocation: `${origin}/oauth/revoke`,
    resourceMetadata: `${origin}/.well-known/oauth-protected-resource/mcp`,
  };
}

export function authorizationServerMetadata(origin: string) {
  const e = endpoints(origin);
  return {
    issuer: e.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    registration_endpoint: e.registration,
    revocation_endpoint: e.revocation,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: [CONNECTOR_SCOPE],
    authorization_response_iss_parameter_supported: true,
  };
}

export function protectedResourceMetadata(origin: string) {
  const e = endpoints(origin);
  return {
    resource: e.resource,
    authorization_servers: [e.issuer],
    scopes_supported: [CONNECTOR_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Folio',
  };
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * A redirect URI a client may register: https; http only to a loopback address (a desktop app's local listener,
 * RFC 8252); or an app's own scheme (`cursor://…`). Never a fragment, never a scheme a browser would run.
 */
export function redirectUriProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${raw.slice(0, 80)} is not an absolute URL`;
  }
  if (url.hash) return 'a redirect URI must not have a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') return LOOPBACK.test(url.hostname) ? null : 'http redirect URIs are allowed only to localhost or 127.0.0.1; use https';
  if (/^(?:javascript|data|file|vbscript|blob|about|ftp|ws|wss):$/i.test(url.protocol)) return `${url.protocol} redirect URIs are not allowed`;
  // An app's private-use scheme: a reverse domain name or a short app name (RFC 8252 §7.1).
  return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? null : `${url.protocol} is not a valid scheme`;
}

/** RFC 7591 metadata; only what Folio uses is read, the rest of a client's metadata is ignored, as the RFC allows. */
const registration = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  client_name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u)
    .optional(),
  token_endpoint_auth_method: z.string().max(40).optional(),
  grant_types: z.array(z.string().max(60)).max(10).optional(),
  response_types: z.array(z.string().max(60)).max(10).optional(),
  scope: z.string().max(400).optional(),
});

export async function registerClient(db: Db, body: unknown) {
  const parsed = registration.safeParse(body);
  if (!parsed.success) {
    throw new OAuthError('invalid_client_metadata', `Client metadata: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`);
  }
  const m = parsed.data;
  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', problem);
  }
  // Public clients only: there is nothing a client could keep secret from the reader's own machine anyway.
  if (m.token_endpoint_auth_method && m.token_endpoint_auth_method !== 'none') {
    throw new OAuthError('invalid_client_metadata', 'Folio registers public clients only: token_endpoint_auth_method must be "none" (PKCE protects the code).');
  }
  if (m.grant_types?.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
    throw new OAuthError('invalid_client_metadata', 'grant_types may be authorization_code and refresh_token only.');
  }
  if (m.response_types?.some((r) => r !== 'code')) throw new OAuthError('invalid_client_metadata', 'response_types may be code only.');
  const client = { id: `fc_${randomBytes(16).toString('base64url')}`, name: m.client_name ?? 'An assistant', redirectUris: m.redirect_uris };
  await q.insertClient(db, client);
  return {
    client_id: client.id,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: CONNECTOR_SCOPE,
  };
}

/**
 * `GET /oauth/authorize`: check everything once and keep it as a pending request for the consent page. A bad
 * client or redirect URI is shown to the person (never redirected to: that would be an open redirect); anything
 * else goes back to the client's redirect URI as an OAuth error.
 */
export type AuthorizeResult = { consent: string } | { redirect: string };

export async function authorize(db: Db, params: Record<string, string | undefined>, origin: string): Promise<AuthorizeResult> {
  const clientId = params.client_id;
  if (!clientId) throw new FolioError('bad_request:oauth', 'This authorization link has no client_id: the assistant that sent you here is misconfigured.');
  const client = await q.findClient(db, clientId.slice(0, 200));
  if (!client) throw new FolioError('bad_request:oauth', 'This assistant is not registered with this Folio (unknown client_id). Add Folio to it again.');
  const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  // Exact string match (OAuth 2.1): no prefix, no normalisation.
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    throw new FolioError('bad_request:oauth', 'The redirect_uri is not one this assistant registered. Add Folio to it again.');
  }
  const back = (error: string, description: string) => ({
    redirect: withParams(redirectUri, { error, error_description: description, state: params.state, iss: origin }),
  });
  if (params.response_type !== 'code') return back('unsupported_response_type', 'response_type must be code');
  if (!params.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) return back('invalid_request', 'a code_challenge (PKCE, S256) is required');
  if (params.code_challenge_method !== 'S256') return back('invalid_request', 'code_challenge_method must be S256');
  if (params.scope?.split(' ').some((s) => s !== '' && s !== CONNECTOR_SCOPE)) return back('invalid_scope', `the only scope is ${CONNECTOR_SCOPE}`);
  const resource = endpoints(origin).resource;
  // RFC 8707: a token for another resource is not Folio's to give.
  if (params.resource && params.resource.replace(/\/$/, '') !== resource) return back('invalid_target', `this server issues tokens for ${resource} only`);
  if (params.state && params.state.length > 500) return back('invalid_request', 'state is too long');
  const id = await q.insertRequest(db, { clientId, redirectUri, codeChallenge: params.code_challenge, state: params.state ?? null, resource }, REQUEST_TTL_S);
  return { consent: id };
}

const NO_REQUEST = 'This request to connect an assistant is unknown, answered or expired (it lasts 10 minutes). Start again from the assistant.';

export async function consentRequest(db: Db, id: string) {
  const r = await q.findRequest(db, id);
  if (!r) throw new FolioError('not_found:oauth_request', NO_REQUEST);
  return { id, clientName: r.clientName, redirectHost: redirectHost(r.redirectUri), expiresAt: r.expiresAt };
}

/** What the page names as where the browser goes: the host (or the app's scheme), which the client cannot fake. */
function redirectHost(uri: string): string {
  const url = new URL(uri);
  return url.host || url.protocol.replace(/:$/, '');
}

/** The reader said yes: a one-minute code for their reader, and where to send the browser with it. */
export async function approve(db: Db, id: string, readerId: string, origin: string): Promise<string> {
  const r = await q.takeRequest(db, id);
  if (!r) throw new FolioError('not_found:oauth_request', NO_REQUEST);
  const code = randomBytes(32).toString('base64url');
  await q.insertCode(
    db,
    hashReaderToken(code),
    { clientId: r.clientId, readerId, redirectUri: r.redirectUri, codeChallenge: r.codeChallenge, resource: r.resource },
    CODE_TTL_S,
  );
  return withParams(r.redirectUri, { code, state: r.state ?? undefined, iss: origin });
}

export async function deny(db: Db, id: string, origin: string): Promise<string> {
  const r = await q.takeRequest(db, id);
  if (!r) throw new FolioError('not_found:oauth_request', NO_REQUEST);
  return withParams(r.redirectUri, { error: 'access_denied', error_description: 'The reader did not allow it.', state: r.state ?? undefined, iss: origin });
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** `POST /oauth/token` (form fields): the code grant or the refresh grant. */
export async function token(db: Db, form: Record<string, string | undefined>, origin: string): Promise<TokenResponse> {
  const clientId = form.client_id;
  if (!clientId) throw new OAuthError('invalid_client', 'client_id is required (public clients identify themselves in the body).', 401);
  const client = await q.findClient(db, clientId.slice(0, 200));
  if (!client) throw new OAuthError('invalid_client', 'Unknown client_id: register again.', 401);
  const fresh = () => ({ access: newReaderToken(), refresh: newReaderToken() });
  if (form.grant_type === 'authorization_code') {
    if (!form.code || !form.code_verifier) throw new OAuthError('invalid_request', 'code and code_verifier are required.');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(form.code_verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43–128 unreserved characters (RFC 7636).');
    // Spent before it is checked: a code that fails once is gone, so it cannot be tried against other verifiers.
    const code = await q.takeCode(db, hashReaderToken(form.code));
    if (!code || code.clientId !== client.id) throw new OAuthError('invalid_grant', 'The code is unknown, used or expired (it lasts a minute).');
    if (form.redirect_uri !== undefined && form.redirect_uri !== code.redirectUri)
      throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request.');
    if (s256(form.code_verifier) !== code.codeChallenge) throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge.');
    if (form.resource && form.resource.replace(/\/$/, '') !== code.resource) throw new OAuthError('invalid_grant', `Tokens are for ${endpoints(origin).resource} only.`);
    const t = fresh();
    const id = await q.putConnectorToken(
      db,
      {
        readerId: code.readerId,
        clientId: client.id,
        label: client.name.slice(0, MAX_LABEL_LENGTH),
        tokenHash: hashReaderToken(t.access),
        refreshHash: hashReaderToken(t.refresh),
        ttlSeconds: ACCESS_TOKEN_TTL_S,
      },
      MAX_ASSISTANT_TOKENS,
    );
    if (!id) throw new OAuthError('invalid_grant', `The reader already has ${MAX_ASSISTANT_TOKENS} assistant tokens; they can revoke one on Folio's Connect page.`);
    return response(t);
  }
  if (form.grant_type === 'refresh_token') {
    if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required.');
    const t = fresh();
    const ok = await q.refreshConnectorToken(db, client.id, hashReaderToken(form.refresh_token), {
      tokenHash: hashReaderToken(t.access),
      refreshHash: hashReaderToken(t.refresh),
      ttlSeconds: ACCESS_TOKEN_TTL_S,
    });
    if (!ok) throw new OAuthError('invalid_grant', 'The refresh token is unknown, used or revoked: connect the assistant again.');
    return response(t);
  }
  throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
}

const response = (t: { access: string; refresh: string }): TokenResponse => ({
  access_token: t.access,
  token_type: 'Bearer',
  expires_in: ACCESS_TOKEN_TTL_S,
  refresh_token: t.refresh,
  scope: CONNECTOR_SCOPE,
});

/** RFC 7009: always 200 (a token that is not there is revoked), the client's own tokens only. */
export async function revoke(db: Db, form: Record<string, string | undefined>): Promise<void> {
  if (!form.token) throw new OAuthError('invalid_request', 'token is required.');
  if (!form.client_id) throw new OAuthError('invalid_client', 'client_id is required.', 401);
  await q.revokeConnectorToken(db, form.client_id.slice(0, 200), hashReaderToken(form.token));
}
