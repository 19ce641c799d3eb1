import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** How late a log line of `folio serve` or `folio worker` may reach stdout. */
export const LOG_FLUSH_MS = 250;

/** JSON logs by default; `LOG_FORMAT=pretty` for a terminal. Secrets are redacted by path. */
export function createLogger(opts: {
  level: string;
  format: 'json' | 'pretty' /** JSON lines go here instead of stdout (tests). */;
  destination?: DestinationStream;
  /**
   * Long-running processes: JSON lines to stdout are written in batches of about 8 KB, at least every
   * `flushMs` (and at exit). One write per line was a fifth of a cached page turn's cost at 5,000 req/s (a
   * request log line each, written on libuv's threads next to the load).
   */
  flushMs?: number;
}): Logger {
  const options = {
    level: opts.level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.apiKey'], censor: '***' },
  };
  if (opts.format !== 'pretty') {
    if (opts.destination) return pino(options, opts.destination);
    if (!opts.flushMs) return pino(options);
    const out = pino.destination({ dest: 1, minLength: 8 * 1024, sync: false });
    setInterval(() => out.flush(), opts.flushMs).unref();
    return pino(options, out);
  }
  // pino-pretty only for a terminal: loaded on demand so JSON logging does not pay for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(options, pretty({ colorize: process.stdout.isTTY, sync: true }));
}
