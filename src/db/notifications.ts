/**
 * LISTEN on PostgreSQL, kept alive: one session connection (the direct URL; a transaction pooler cannot carry
 * LISTEN), reconnected after a drop, and checked by a heartbeat sent through the app pool. A feed only counts as
 * live once its own heartbeat has come back, and stops counting the moment one does not: a LISTEN that went
 * through a pooler by mistake, or a connection that died without a word, never looks live (ADR 0036).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeHandlers, Subscription } from './client.js';

export interface FeedTimings {
  /** How often the heartbeat goes round. */
  heartbeatMs: number;
  /** How long a heartbeat may take before the feed counts as lost. */
  heartbeatTimeoutMs: number;
  /** Wait before reconnecting after a drop. */
  retryMs: number;
}

export const FEED_TIMINGS: FeedTimings = { heartbeatMs: 10_000, heartbeatTimeoutMs: 3_000, retryMs: 1_000 };

const HELLO = 'hello:';

export function listenOnPostgres(
  config: pg.ClientConfig,
  pool: Pick<pg.Pool, 'query'>,
  channel: string,
  handlers: ChangeHandlers,
  timings: FeedTimings = FEED_TIMINGS,
): Subscription {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let closed = false;
  let client: pg.Client | null = null;
  let live = false;
  let timer: NodeJS.Timeout | null = null;
  /** The heartbeat in flight: its nonce and what to call when it comes back. */
  let waiting: { nonce: string; arrived(): void } | null = null;

  const setLive = (next: boolean, reason?: string) => {
    if (live === next) return;
    live = next;
    handlers.live(next, reason);
  };

  const schedule = (fn: () => void, ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
    timer.unref();
  };

  /** Send a heartbeat through the pool and wait for it on the feed. */
  async function heartbeat(): Promise<void> {
    const nonce = randomUUID();
    const back = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`heartbeat not back within ${timings.heartbeatTimeoutMs} ms`)), timings.heartbeatTimeoutMs);
      t.unref();
      waiting = {
        nonce,
        arrived: () => {
          clearTimeout(t);
          resolve();
        },
      };
    });
    // Both at once: `back` has a handler from the start, so its timeout never rejects unobserved.
    await Promise.all([pool.query('SELECT pg_notify($1, $2)', [channel, HELLO + nonce]), back]);
    waiting = null;
  }

  function drop(reason: string): void {
    setLive(false, reason);
    waiting = null;
    const c = client;
    client = null;
    c?.removeAllListeners('end');
    c?.end().catch(() => {});
    if (!closed) schedule(() => void connect(), timings.retryMs);
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client(config);
    client = c;
    c.on('notification', (n) => {
      if (n.channel !== channel) return;
      const payload = n.payload ?? '';
      if (payload.startsWith(HELLO)) {
        if (waiting && payload === HELLO + waiting.nonce) waiting.arrived();
        return;
      }
      handlers.message(payload);
    });
    c.on('error', (err) => {
      if (client === c) drop(`connection error: ${err.message}`);
    });
    c.on('end', () => {
      if (client === c) drop('connection ended');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      await heartbeat();
      if (client !== c || closed) return;
      setLive(true);
      beat(c);
    } catch (err) {
      if (client === c) drop(err instanceof Error ? err.message : String(err));
    }
  }

  function beat(c: pg.Client): void {
    schedule(() => {
      heartbeat().then(
        () => {
          if (client === c && !closed) beat(c);
        },
        (err: Error) => {
          if (client === c) drop(err.message);
        },
      );
    }, timings.heartbeatMs);
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      setLive(false, 'closed');
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
