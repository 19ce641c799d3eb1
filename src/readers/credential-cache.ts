/**
 * The reader's own token, recognised from memory (ADR 0035): a page turn then costs the statement that decides
 * what it shows, not one more to learn who is asking.
 *
 * Only device tokens (the reader's own): a device can be signed out, or move to another reader when it is linked
 * (ADR 0041), on any replica. So with a change feed (`changes`, the database's boundary channel, which announces
 * every device change as a change of its reader) a credential is kept only while the feed is live and dropped
 * when its reader changes; a lookup that raced with a change of its reader is not kept. Without a feed (tests),
 * entries live for the TTL only. Assistant tokens can be revoked or re-scoped at any moment: they are looked up
 * every time.
 */
import type { Database, Db } from '../db/client.js';
import { authenticateReader, type ReaderCredential } from './readers.js';
import { hashReaderToken } from './tokens.js';

/** Long enough that a reading session looks its token up a few times a minute at most. */
const TTL_MS = 30_000;
/** ~200 bytes each: a few MB at most, however many readers a shared link brings. */
const MAX_ENTRIES = 10_000;

/** Changes of readers, as the catalog's boundary states follow them (catalog/states.ts). */
export interface ReaderChanges {
  follow(database: Database): void;
  /** Whether changes are being followed right now: nothing may be kept otherwise. */
  readonly isLive: boolean;
  /** `readerId` changed (its position, its devices), or everything may have (null). */
  onReaderChange(listener: (readerId: string | null) => void): void;
}

interface Entry {
  credential: ReaderCredential;
  until: number;
}

export class CredentialCache {
  /** Token hash → credential and when it must be looked up again; oldest first (Map insertion order). */
  readonly #entries = new Map<string, Entry>();
  /** Reader → its entries' keys, to drop them when the reader changes. */
  readonly #byReader = new Map<string, Set<string>>();
  /** Bumped by every change; `#changedAt` says when each reader last changed, while lookups are in flight. */
  #seq = 0;
  #clearedAt = 0;
  readonly #changedAt = new Map<string, number>();
  #inFlight = 0;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #changes: ReaderChanges | undefined;

  constructor(opts: { ttlMs?: number; max?: number; now?: () => number; changes?: ReaderChanges } = {}) {
    this.#ttlMs = opts.ttlMs ?? TTL_MS;
    this.#max = opts.max ?? MAX_ENTRIES;
    this.#now = opts.now ?? Date.now;
    this.#changes = opts.changes;
    this.#changes?.onReaderChange((readerId) => this.#changed(readerId));
  }

  /** Follow this database's changes (readerAuth calls it with every request's database; only the first call counts). */
  follow(database: Database): void {
    this.#changes?.follow(database);
  }

  /** authenticateReader, answered from memory for a device token seen in the last TTL and unchanged since. */
  async authenticate(db: Db, token: string): Promise<ReaderCredential | null> {
    const key = hashReaderToken(token);
    const hit = this.#entries.get(key);
    if (hit && hit.until > this.#now() && this.#keeping()) return hit.credential;
    if (hit) this.#delete(key, hit);
    const started = this.#seq;
    this.#inFlight++;
    try {
      const credential = await authenticateReader(db, token);
      if (credential?.deviceId != null && this.#keeping() && !this.#changedSince(credential.readerId, started)) this.#keep(key, credential);
      return credential;
    } finally {
      // Nothing in flight: no lookup can be older than a change, so the change times can go.
      if (--this.#inFlight === 0) this.#changedAt.clear();
    }
  }

  /** This process just changed the reader's devices: drop its credentials now, before the feed says so. */
  forgetReader(readerId: string): void {
    this.#changed(readerId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The readers held, for tests. */
  get readers(): string[] {
    return [...this.#byReader.keys()];
  }

  #keeping(): boolean {
    return this.#changes === undefined || this.#changes.isLive;
  }

  #changedSince(readerId: string, seq: number): boolean {
    return this.#clearedAt > seq || (this.#changedAt.get(readerId) ?? 0) > seq;
  }

  #changed(readerId: string | null): void {
    this.#seq++;
    if (readerId === null) {
      this.#clearedAt = this.#seq;
      this.#entries.clear();
      this.#byReader.clear();
      return;
    }
    if (this.#inFlight > 0) this.#changedAt.set(readerId, this.#seq);
    const keys = this.#byReader.get(readerId);
    if (!keys) return;
    for (const key of keys) this.#entries.delete(key);
    this.#byReader.delete(readerId);
  }

  #keep(key: string, credential: ReaderCredential): void {
    this.#entries.set(key, { credential, until: this.#now() + this.#ttlMs });
    let keys = this.#byReader.get(credential.readerId);
    if (!keys) this.#byReader.set(credential.readerId, (keys = new Set()));
    keys.add(key);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value!;
      this.#delete(oldest, this.#entries.get(oldest)!);
    }
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    const keys = this.#byReader.get(entry.credential.readerId);
    keys?.delete(key);
    if (keys?.size === 0) this.#byReader.delete(entry.credential.readerId);
  }
}
