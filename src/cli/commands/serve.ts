/** `folio serve`. Loaded only when that command runs, so other commands start fast. */
import type { Config } from '../../config/env.js';
import { createLogger, LOG_FLUSH_MS } from '../../logger.js';
import { openMigratedDatabase } from '../../server/runtime.js';

export async function serveCommand(cfg: Config): Promise<void> {
  const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat, flushMs: LOG_FLUSH_MS });
  // Opening the database (on PGlite: reading and compiling its WASM engine) waits on files and compiler
  // threads: it starts before the HTTP layer is loaded so that the two overlap (ADR 0034). startServer owns it.
  const database = openMigratedDatabase(cfg);
  database.catch(() => {});
  const { startServer } = await import('../../server/serve.js');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(cfg, logger, { database });
  } catch (err) {
    // Nothing owns the database yet (the port was taken, say): close it before the process exits.
    await database.then((d) => d.close()).catch(() => {});
    throw err;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    logger.info({ signal, graceMs: cfg.shutdownGraceMs }, 'shutting down: refusing new requests, letting open streams finish');
    // Last resort: a close that hangs (a database that never answers) must not keep the process alive.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting anyway');
      process.exit(1);
    }, cfg.shutdownGraceMs + 15_000).unref();
    const { endedStreams } = await server.close();
    logger.info({ ms: Math.round(performance.now() - started), endedStreams }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await server.ready;
  } catch (err) {
    logger.fatal({ err }, 'could not open the database');
    await server.close().catch(() => {});
    throw err;
  }
  if (process.stdout.isTTY && cfg.logFormat === 'pretty') process.stdout.write(`Folio is ready at ${server.url}\n`);
}
