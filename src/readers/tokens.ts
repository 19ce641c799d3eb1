import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: what a reader holds. Only its hash is stored. */
export const newReaderToken = (): string => randomBytes(32).toString('base64url');
export const hashReaderToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const READER_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const READER_COOKIE = 'folio_reader';
/** The name over https: the browser then accepts it only from this host, Secure, for the whole site (no subdomain can plant one). */
export const SECURE_READER_COOKIE = `__Host-${READER_COOKIE}`;
