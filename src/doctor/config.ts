/**
 * The configuration layer: the environment parses (loadConfig, the same
 * contract `folio serve` boots with), and a DATABASE_URL without
 * DATABASE_DIRECT_URL is not secretly a transaction-mode pooler (a PgBouncer
 * URL without `?pgbouncer=true` looks like any other): migrations and
 * advisory locks would then run through it.
 */
import { type Config, ConfigError, loadConfig } from '../config/env.js';
import { probeTransactionPooling } from './pg.js';
import { type CheckResult, fail, pass } from './types.js';

const LAYER = 'config';

/** Split "what is wrong. Fix: what to do" (the ConfigError line format). */
function splitFix(message: string): { what: string; fix: string | null } {
  const i = message.indexOf(' Fix: ');
  return i < 0 ? { what: message, fix: null } : { what: message.slice(0, i), fix: message.slice(i + 6) };
}

export function configErrorResult(err: ConfigError): CheckResult {
  const parts = err.problems.map((p) => ({ variable: p.variable, ...splitFix(p.message) }));
  return fail(
    LAYER,
    parts.map((p) => `${p.variable}: ${p.what}`).join(' · '),
    parts.map((p) => p.fix ?? `correct ${p.variable} (see docs/configuration.md).`).join(' · '),
  );
}

function describe(config: Config): string {
  const db = config.database.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL';
  const images = config.s3 ? `S3 bucket ${config.s3.bucket}` : 'local files';
  return `valid: database ${db}, images ${images}, FOLIO_MODEL=${config.model.provider}, FOLIO_EMBED_MODEL=${config.model.embedModel}`;
}

export async function checkConfig(env: Record<string, string | undefined>, cwd: string): Promise<{ result: CheckResult; config: Config | null }> {
  let config: Config;
  try {
    config = loadConfig(env, { cwd });
  } catch (err) {
    if (err instanceof ConfigError) return { result: configErrorResult(err), config: null };
    throw err;
  }
  const directSet = (env.DATABASE_DIRECT_URL ?? '').trim() !== '';
  if (config.database.kind === 'postgres' && !directSet && !config.database.app.pooled) {
    // Unreachable (null) is the database layer's to report, not this one's.
    if ((await probeTransactionPooling(config.database.app)) === true) {
      return {
        config,
        result: fail(
          LAYER,
          'DATABASE_DIRECT_URL: is not set, but DATABASE_URL goes through a transaction-mode connection pooler (two sessions were served by the same server backend), so migrations and advisory locks would run through the pooler',
          'set DATABASE_DIRECT_URL to the direct (session) URL of the same database (for Neon, the host without -pooler), and add ?pgbouncer=true to DATABASE_URL so Folio knows it is pooled.',
        ),
      };
    }
  }
  return { config, result: pass(LAYER, describe(config)) };
}
