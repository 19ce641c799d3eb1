/** A debug-level logger whose every line is kept, for tests that prove a secret never reaches the logs. */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../src/logger.js';

export function capturedLogs(): { logger: Logger; text(): string } {
  let text = '';
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
  );
  return { logger, text: () => text };
}
