/**
 * The reader's own token, recognised from memory for a short while (ADR 0035): a page turn then costs the
 * statement that decides what it shows, not one more to learn who is asking.
 *
 * Only the reader's own token (the browser cookie): it stops working only when retention deletes a reader
 * that has been inactive for days, so a few seconds of memory changes nothing a reader can see. Assistant
 * tokens can be revoked or re-scoped at any moment on any replica: they are looked up every time.
 */
import type { Db } from '../db/client.js';
import { authenticateReader, type ReaderCredential } from './readers.js';
import { hashReaderToken } from './tokens.js';

/** Long enough that a reading session looks its token up a few times a minute, far below retention's hour. */
const TTL_MS = 30_000;
/** ~200 bytes each: a few MB at most, however many readers a shared link brings. */
const MAX_ENTRIES = 10_000;

export class CredentialCache {
  /** Token hash → credential and when it must be looked up again; oldest first (Map insertion order). */
  readonly #entries = new Map<string, { credential: ReaderCredential; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: { ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.#ttlMs = opts.ttlMs ?? TTL_MS;
    this.#max = opts.max ?? MAX_ENTRIES;
    this.#now = opts.now ?? Date.now;
  }

  /** authenticateReader, answered from memory for a reader's own token seen in the last TTL. */
  async authenticate(db: Db, token: string): Promise<ReaderCredential | null> {
    const key = hashReaderToken(token);
    const hit = this.#entries.get(key);
    if (hit && hit.until > this.#now()) return hit.credential;
    this.#entries.delete(key);
    const credential = await authenticateReader(db, token);
    if (credential?.tokenId === null) {
      this.#entries.set(key, { credential, until: this.#now() + this.#ttlMs });
      if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return credential;
  }

  get size(): number {
    return this.#entries.size;
  }
}
