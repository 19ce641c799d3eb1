/**
 * Boundary keys held in memory (ADR 0036). A cached catalog response is keyed by the series' content version and
 * the reader's position (cache.ts, ADR 0033); reading that key was the one statement left on a cache hit. Here
 * the keys themselves are kept, for as long as the database's change feed is live: every write that moves a
 * reader's position or a series' content announces itself on commit (migration 0016), and the entries it touches
 * are dropped. While the feed is down (starting, reconnecting, a heartbeat missed) nothing is kept and every
 * request reads its key from the database, as before.
 *
 * A key read from the database is kept only if nothing it depends on changed while it was being read: each
 * reader's entry carries a generation, bumped by every change to that reader, and the whole memory an epoch,
 * bumped by every change to a series and by the feed going down or up. A read that started before a change is
 * never kept after it.
 */
import { BOUNDARY_CHANNEL, type Database, type Subscription } from '../db/client.js';
import type { Logger } from '../logger.js';
import { observeBoundaryFeed } from '../observability/metrics.js';
import type { BoundaryStateRow } from './queries.js';

export type LibraryState = Array<BoundaryStateRow & { id: string }>;

/** Which pages a series has at one content version: what a progress move is checked against. */
export interface PageLayout {
  version: string;
  /** `episode:page` */
  pages: Set<string>;
  /** In order. */
  episodes: number[];
}

interface ReaderStates {
  gen: number;
  series: Map<string, BoundaryStateRow>;
  library: LibraryState | null;
}

/** Taken before a key is read from the database; the key is kept only if the ticket is still good after. */
export interface Ticket {
  readonly epoch: number;
  readonly entry: ReaderStates;
  readonly gen: number;
  readonly reader: string;
}

/** Anonymous requests share one entry: their keys depend only on the series. */
const ANONYMOUS = '-';

export const STATE_LIMITS = { maxReaders: 10_000 };

export class BoundaryStates {
  private readonly readers = new Map<string, ReaderStates>();
  private readonly layouts = new Map<string, PageLayout>();
  private epoch = 0;
  private live = false;
  /** The feed was live once and then lost (for the log line when it is back). */
  private lost = false;
  private following: Database | null = null;
  private subscription: Subscription | null = null;
  private readonly listeners: Array<(readerId: string | null) => void> = [];

  constructor(private readonly opts: { maxReaders: number; logger?: Logger } = STATE_LIMITS) {}

  /** Follow this database's changes (once per database; a new one replaces the old, and forgets everything). */
  follow(database: Database): void {
    if (this.following === database) return;
    void this.subscription?.close();
    this.following = database;
    this.setLive(false);
    this.subscription = database.listen(BOUNDARY_CHANNEL, {
      message: (payload) => this.changed(payload),
      live: (isLive, reason) => {
        if (this.following !== database) return;
        if (isLive === this.live) return;
        observeBoundaryFeed(isLive, !isLive && reason !== 'closed');
        if (!isLive && reason !== 'closed') {
          this.lost = true;
          this.opts.logger?.warn({ reason }, 'boundary change feed lost: reader keys are read from the database until it is back');
        }
        if (isLive && this.lost) this.opts.logger?.info('boundary change feed back: reader keys are kept in memory again');
        this.setLive(isLive);
      },
    });
  }

  /**
   * Also tell `listener` when a reader's devices change (`d:<reader id>`, migration 0017: one signed out, or moved
   * to another reader) or when everything may have (null: the feed went down or came back, a truncate, a series
   * change). The reader credentials held in memory follow the feed through this (readers/credential-cache.ts).
   */
  onReaderChange(listener: (readerId: string | null) => void): void {
    this.listeners.push(listener);
  }

  /** Whether keys are being kept (the feed is live). */
  get isLive(): boolean {
    return this.live;
  }

  series(readerId: string | null, seriesId: string): BoundaryStateRow | undefined {
    return this.live ? this.entry(readerId)?.series.get(seriesId) : undefined;
  }

  library(readerId: string | null): LibraryState | undefined {
    return this.live ? (this.entry(readerId)?.library ?? undefined) : undefined;
  }

  /** Take before reading a key from the database. */
  ticket(readerId: string | null): Ticket {
    const reader = readerId ?? ANONYMOUS;
    // Not live: a ticket that is never good, and no entry made for it.
    if (!this.live) return { epoch: -1, entry: { gen: 0, series: new Map(), library: null }, gen: 0, reader };
    let entry = this.readers.get(reader);
    if (!entry) {
      entry = { gen: 0, series: new Map(), library: null };
      this.readers.set(reader, entry);
      this.evict();
    }
    return { epoch: this.epoch, entry, gen: entry.gen, reader };
  }

  keepSeries(ticket: Ticket, seriesId: string, state: BoundaryStateRow): void {
    if (this.valid(ticket)) ticket.entry.series.set(seriesId, state);
  }

  keepLibrary(ticket: Ticket, state: LibraryState): void {
    if (this.valid(ticket)) ticket.entry.library = state;
  }

  /** The series' pages at this content version, if known. */
  layout(seriesId: string, version: string): PageLayout | undefined {
    const l = this.live ? this.layouts.get(seriesId) : undefined;
    return l?.version === version ? l : undefined;
  }

  /** The current epoch, taken before a layout is read. */
  get era(): number {
    return this.live ? this.epoch : -1;
  }

  /** Keep a layout read since `era` (pages change only with the series' version, which clears everything). */
  keepLayout(era: number, seriesId: string, layout: PageLayout): void {
    if (this.live && era === this.epoch) this.layouts.set(seriesId, layout);
  }

  /** This process just changed the reader's progress: drop their keys now, before its own notification arrives. */
  forget(readerId: string): void {
    this.changedReader(readerId);
  }

  /** Everything kept, for tests. */
  get size(): number {
    let n = 0;
    for (const e of this.readers.values()) n += e.series.size + (e.library ? 1 : 0);
    return n;
  }

  async close(): Promise<void> {
    this.following = null;
    this.setLive(false);
    await this.subscription?.close();
    this.subscription = null;
  }

  private entry(readerId: string | null): ReaderStates | undefined {
    return this.readers.get(readerId ?? ANONYMOUS);
  }

  private valid(t: Ticket): boolean {
    return this.live && t.epoch === this.epoch && t.entry.gen === t.gen && this.readers.get(t.reader) === t.entry;
  }

  private changed(payload: string): void {
    if (payload.startsWith('r:')) this.changedReader(payload.slice(2));
    // A reader's devices changed: nothing of the boundary, only who a token is.
    else if (payload.startsWith('d:')) for (const l of this.listeners) l(payload.slice(2));
    // A series' content or existence changed (every library and that series' keys), a truncate, a reset, or
    // anything this version does not know: forget everything.
    else this.clear();
  }

  private changedReader(readerId: string): void {
    const e = this.readers.get(readerId);
    if (!e) return;
    e.gen++;
    e.series.clear();
    e.library = null;
  }

  private setLive(isLive: boolean): void {
    this.live = isLive;
    this.clear();
  }

  private clear(): void {
    for (const l of this.listeners) l(null);
    this.epoch++;
    this.readers.clear();
    this.layouts.clear();
  }

  /** Oldest readers first (insertion order: an entry is created once and kept until cleared). */
  private evict(): void {
    for (const reader of this.readers.keys()) {
      if (this.readers.size <= this.opts.maxReaders) return;
      this.readers.delete(reader);
    }
  }
}
