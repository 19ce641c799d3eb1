/**
 * Passkeys (ADR 0042, docs/accounts.md): a reader that adds one becomes an account, and any browser can then sign in
 * to it with that passkey: that device becomes the reader, merged as for a link code (devices.ts becomeReader).
 *
 * WebAuthn is checked by @simplewebauthn/server. Folio's part: each ceremony's challenge is kept in the database
 * for CHALLENGE_TTL_S and used once (a replayed answer finds nothing), bound to its purpose, its reader and the page
 * origin that asked; the relying party is that page's host name, so a passkey works on the Folio it was made on,
 * behind a CDN build as well (the web app's origin, not the API's).
 */
import type { AuthenticatorTransportFuture, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { becomeReader, type Linked } from './devices.js';
import * as q from './queries.js';

/** The WebAuthn library (with its ASN.1 and X.509 parsers) loads with the first passkey, not at start-up. */
let webauthnModule: Promise<typeof import('@simplewebauthn/server')> | null = null;
const webauthn = () => (webauthnModule ??= import('@simplewebauthn/server'));

const fromBase64Url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

/** How long the browser may take between asking and answering (the authenticator's own prompt included). */
export const CHALLENGE_TTL_S = 5 * 60;
/** Passkeys per reader: a few devices and security keys, not a table anyone can fill. */
export const MAX_PASSKEYS = 20;

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, 'must be base64url');

/** A browser's answer, as @simplewebauthn/browser sends it; anything else is a 400 before any check runs. */
const credentialFields = {
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};
const registrationResponse = z.object({
  ...credentialFields,
  response: z.object({
    clientDataJSON: b64url(4096),
    attestationObject: b64url(32_768),
    authenticatorData: b64url(4096).optional(),
    // Transports this Folio does not know are hints it cannot use: dropped, not refused.
    transports: z
      .array(z.string().max(20))
      .max(10)
      .optional()
      .transform((ts) => ts?.filter((t): t is AuthenticatorTransportFuture => (TRANSPORTS as readonly string[]).includes(t))),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(4096).optional(),
  }),
});
const authenticationResponse = z.object({
  ...credentialFields,
  response: z.object({
    clientDataJSON: b64url(4096),
    authenticatorData: b64url(4096),
    signature: b64url(1024),
    userHandle: b64url(256).optional(),
  }),
});

const challengeId = z.guid('is the challengeId from the options request');
export const addOptionsBody = z.strictObject({
  /** The name the authenticator shows for this account when choosing a passkey. */
  name: z.string().trim().min(1).max(60).optional(),
});
export const addBody = z.strictObject({ challengeId, response: registrationResponse });
export const signInBody = z.strictObject({ challengeId, response: authenticationResponse });

/**
 * The page asking: its origin (checked against Folio's own and CORS_ORIGINS by the route) and the relying-party id
 * that follows from it. WebAuthn has no relying party without a page.
 */
export interface Page {
  origin: string;
  rpId: string;
}

export function pageOf(origin: string | undefined): Page {
  if (!origin || origin === 'null') {
    throw new FolioError('bad_request:passkey', "Passkeys are made and used on Folio's web pages (the request carried no Origin).");
  }
  const host = new URL(origin).hostname;
  // WebAuthn takes a domain name as relying party, never an address: http://127.0.0.1 cannot hold passkeys.
  if (/^[\d.]+$|^\[/.test(host)) {
    throw new FolioError('bad_request:passkey', `Passkeys need Folio on a host name, not an address (${host}): open it as localhost or by its name.`);
  }
  return { origin, rpId: host };
}

const userId = (readerId: string) => new Uint8Array(Buffer.from(readerId, 'utf8'));

export interface Options<T> {
  challengeId: string;
  options: T;
}

/** Step 1 of adding a passkey: the options for navigator.credentials.create(). */
export async function addPasskeyOptions(db: Db, readerId: string, page: Page, name?: string): Promise<Options<PublicKeyCredentialCreationOptionsJSON>> {
  const existing = await q.passkeyCredentials(db, readerId);
  if (existing.length >= MAX_PASSKEYS) throw tooMany();
  const { generateRegistrationOptions } = await webauthn();
  const options = await generateRegistrationOptions({
    rpName: 'Folio',
    rpID: page.rpId,
    userName: name ?? 'Folio reader',
    userDisplayName: name ?? 'Folio reader',
    userID: userId(readerId),
    attestationType: 'none',
    // This authenticator already holds one for this reader: the browser says so instead of making a second.
    excludeCredentials: existing.map((k) => ({ id: k.credentialId, transports: k.transports as AuthenticatorTransportFuture[] })),
    // Discoverable: signing in on another device needs no user name, the passkey knows whose it is.
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    timeout: CHALLENGE_TTL_S * 1000,
  });
  const id = await q.putChallenge(db, { purpose: 'passkey:add', readerId, challenge: options.challenge, origin: page.origin }, CHALLENGE_TTL_S);
  return { challengeId: id, options };
}

const tooMany = () => new FolioError('conflict:passkeys', `This reader has ${MAX_PASSKEYS} passkeys, the most it can have. Remove one you no longer use first.`);

const STALE = 'This passkey request is unknown, used or expired (they last 5 minutes and work once). Start again: your browser will ask for the passkey anew.';

/** The ceremony's challenge, spent: it must be live, for this purpose and reader, and answered on the page that asked. */
async function takeChallenge(db: Db, id: string, purpose: q.ChallengePurpose, readerId: string | null, page: Page) {
  const challenge = await q.takeChallenge(db, id, purpose, readerId);
  if (!challenge) throw new FolioError('not_found:passkey_challenge', STALE);
  if (challenge.origin !== page.origin) {
    throw new FolioError('bad_request:passkey', `This passkey request was started on ${challenge.origin}, not on this page. Start again here.`);
  }
  return challenge;
}

/** Step 2: check the authenticator's answer and keep its public key. */
export async function addPasskey(db: Db, readerId: string, page: Page, body: z.infer<typeof addBody>, label: string): Promise<q.PasskeyRow> {
  const challenge = await takeChallenge(db, body.challengeId, 'passkey:add', readerId, page);
  const { verifyRegistrationResponse } = await webauthn();
  const verified = await verifyOr400(() =>
    verifyRegistrationResponse({
      response: body.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: challenge.origin,
      expectedRPID: pageOf(challenge.origin).rpId,
      requireUserVerification: false,
    }),
  );
  if (!verified.verified) throw new FolioError('bad_request:passkey', 'The passkey could not be verified. Try again.');
  const { credential } = verified.registrationInfo;
  const row = await q.insertPasskey(
    db,
    readerId,
    {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      label,
    },
    MAX_PASSKEYS,
  );
  if (row === 'full') throw tooMany();
  if (row === 'taken') throw new FolioError('conflict:passkeys', 'This passkey is already registered with Folio.');
  return row;
}

/** Sign-in step 1: options for navigator.credentials.get(), with no user named (discoverable passkeys). */
export async function signInOptions(db: Db, page: Page): Promise<Options<PublicKeyCredentialRequestOptionsJSON>> {
  const { generateAuthenticationOptions } = await webauthn();
  const options = await generateAuthenticationOptions({ rpID: page.rpId, userVerification: 'preferred', timeout: CHALLENGE_TTL_S * 1000 });
  const id = await q.putChallenge(db, { purpose: 'passkey:sign-in', readerId: null, challenge: options.challenge, origin: page.origin }, CHALLENGE_TTL_S);
  return { challengeId: id, options };
}

/**
 * Sign-in step 2: the passkey's signature over the challenge opens its reader, and this device becomes that reader
 * (`current`, the reader it was, merged in). The challenge is spent before anything is checked.
 */
export async function signInWithPasskey(
  db: Db,
  page: Page,
  body: z.infer<typeof signInBody>,
  label: string,
  current: { readerId: string; deviceId: string } | null,
): Promise<Linked> {
  const challenge = await takeChallenge(db, body.challengeId, 'passkey:sign-in', null, page);
  const key = await q.findPasskey(db, body.response.id);
  if (!key) {
    throw new FolioError('not_found:passkey', "This passkey is not one of this Folio's accounts (was it removed?). Your device may offer to forget it.");
  }
  const { verifyAuthenticationResponse } = await webauthn();
  const verified = await verifyOr400(() =>
    verifyAuthenticationResponse({
      response: body.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: challenge.origin,
      expectedRPID: pageOf(challenge.origin).rpId,
      credential: {
        id: key.credentialId,
        publicKey: fromBase64Url(key.publicKey),
        counter: key.counter,
        transports: key.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: false,
    }),
  );
  if (!verified.verified) throw new FolioError('bad_request:passkey', 'The passkey could not be verified. Try again.');
  if (!(await q.recordPasskeyUse(db, key.id, key.counter, verified.authenticationInfo.newCounter))) {
    throw new FolioError('conflict:passkeys', 'This passkey was used at the same moment elsewhere, or removed. Try again.');
  }
  return becomeReader(db, key.readerId, label, current, 'Sign in again.');
}

export async function removePasskey(db: Db, readerId: string, id: string): Promise<void> {
  if (!(await q.deletePasskey(db, readerId, id))) throw new FolioError('not_found:passkey', 'This reader has no such passkey (removed already?).');
}

/**
 * A failed WebAuthn check is the browser's answer being wrong (another site's, tampered, a cloned key's counter):
 * a 400 that says which check failed, never a 500.
 */
async function verifyOr400<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (err) {
    throw new FolioError('bad_request:passkey', `The passkey could not be verified: ${(err as Error).message}`);
  }
}
