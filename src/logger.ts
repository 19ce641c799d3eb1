import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** JSON logs by default; `LOG_FORMAT=pretty` for a terminal. Secrets are redacted by path. */
export function createLogger(opts: { level: string; format: 'json' | 'pretty' }): Logger {
  const options = {
    level: opts.level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.apiKey'], censor: '***' },
  };
  return opts.format === 'pretty' ? pino(options, pretty({ colorize: process.stdout.isTTY, sync: true })) : pino(options);
}
