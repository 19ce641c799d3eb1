/**
 * Property-based: whatever the environment holds, loading the config either
 * gives a Config or a ConfigError whose every problem names a real variable
 * and never echoes a secret value. Nothing else may escape (no TypeError,
 * no zod error, no crash).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from './env.js';
import { ConfigError } from './postgres-url.js';

const SECRETS = ['ADMIN_TOKEN', 'S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID', 'FOLIO_MODEL_API_KEY', 'MODAL_PROXY_TOKEN_SECRET', 'MODAL_PROXY_TOKEN_ID'];
const known = new Set([...CONFIG_VARIABLES, '(environment)']);

// Values that look like what people paste: numbers, URLs, booleans, junk, unicode, very long strings.
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[a-z]{2,10}$/),
  fc.integer({ min: -100000, max: 1000000 }).map(String),
  fc.constantFrom('true', 'false', 'YES', '0', '1', 'auto', 'none', 'ollama', 'openai', 'anthropic', 'local', 'inline', 'off', 'json', 'pretty', ' ', ''),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom('postgres://u:p@h/db', 'postgresql://u@h:5432/db?sslmode=verify-full', 'postgres://h', 'mysql://x', 'postgres://u:p@x-pooler.neon.tech/db'),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

// Secret-looking values with a marker, some with spaces or a "Bearer " prefix (so they fail validation).
const secretValue = fc
  .tuple(fc.constantFrom('', 'Bearer ', ' '), fc.stringMatching(/^[A-Za-z0-9]{12,30}$/), fc.constantFrom('', ' x', '\n'))
  .map(([pre, body, post]) => `${pre}zQx${body}${post}`);

it('any environment: a Config, or a ConfigError naming real variables without echoing secrets (3000 runs)', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...CONFIG_VARIABLES), value, { maxKeys: 12 }),
      fc.dictionary(fc.constantFrom(...SECRETS), secretValue, { maxKeys: 3 }),
      (plain, secrets) => {
        const env = { ...plain, ...secrets };
        try {
          const cfg = loadConfig(env, { cwd: '/nonexistent-folio-fuzz' });
          expect(typeof cfg.port).toBe('number');
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          const problems = (err as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) {
            expect(known.has(p.variable), p.variable).toBe(true);
            expect(p.message.length).toBeGreaterThan(10);
          }
          for (const v of Object.values(secrets))
            expect((err as Error).message).not.toContain(
              v
                .replace(/\s+/g, ' ')
                .trim()
                .split(' ')
                .find((w) => w.startsWith('zQx')) ?? '\u0000',
            );
        }
      },
    ),
    { numRuns: 3000 },
  );
});
