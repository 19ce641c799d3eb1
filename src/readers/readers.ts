import type { Db } from '../db/client.js';
import * as q from './queries.js';
import { storedScopes, TOKEN_SCOPES, type TokenScope } from './scopes.js';
import { hashReaderToken, newReaderToken, READER_TOKEN_PATTERN } from './tokens.js';

/** A new reader, held by one device (`label`: what the device list shows, devices.ts deviceLabel). */
export async function createReader(db: Db, label = 'A device'): Promise<{ id: string; deviceId: string; token: string }> {
  const token = newReaderToken();
  const { readerId, deviceId } = await q.insertReader(db, hashReaderToken(token), label);
  return { id: readerId, deviceId, token };
}

/**
 * Who a request is: the reader, and which of its tokens it used. `tokenId` is
 * null for the reader's own token (the browser cookie, or the token from
 * POST /api/readers or a linked device) and the assistant token's id otherwise
 * (ADR 0015); `deviceId` is the device that holds the reader's own token (ADR 0041).
 */
export interface ReaderCredential {
  readerId: string;
  tokenId: string | null;
  deviceId: string | null;
  /** What it may do (ADR 0028): every scope for the reader's own token, the token's stored scopes otherwise. */
  scopes: readonly TokenScope[];
}

/** The credential for a token, or null when it is malformed, unknown or revoked. */
export async function authenticateReader(db: Db, token: string): Promise<ReaderCredential | null> {
  if (!READER_TOKEN_PATTERN.test(token)) return null;
  const owner = await q.findTokenOwner(db, hashReaderToken(token));
  if (!owner) return null;
  if (owner.stale) await (owner.tokenId !== null ? q.touchToken(db, owner.tokenId) : q.touchDevice(db, owner.deviceId!));
  return {
    readerId: owner.readerId,
    tokenId: owner.tokenId,
    deviceId: owner.deviceId,
    scopes: owner.tokenId === null ? TOKEN_SCOPES : storedScopes(owner.scopes),
  };
}

/**
 * The reader id for a token, or null when it is malformed or unknown, whatever
 * the token may do: only for "does this browser already have a reader?".
 * Surfaces that act for the reader use authenticateReader and check scopes.
 */
export async function readerForToken(db: Db, token: string): Promise<string | null> {
  return (await authenticateReader(db, token))?.readerId ?? null;
}
