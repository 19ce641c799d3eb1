import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** JSON logs by default; `LOG_FORMAT=pretty` for a terminal. Secrets are redacted by path. */
export function createLogger(opts: {
  level: string;
  format: 'json' | 'pretty' /** JSON lines go here instead of stdout (tests). */;
  destination?: DestinationStream;
}): Logger {
  const options = {
    level: opts.level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.apiKey'], censor: '***' },
  };
  if (opts.format !== 'pretty') return opts.destination ? pino(options, opts.destination) : pino(options);
  // pino-pretty only for a terminal: loaded on demand so JSON logging does not pay for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(options, pretty({ colorize: process.stdout.isTTY, sync: true }));
}
