import { defineConfig } from 'vitest/config';

// Unit tests (`*.test.ts`) run once. Database tests (`*.db.test.ts`) run twice:
// against embedded PGlite and against a real PostgreSQL server that the global
// setup starts on a free loopback port (see test/services/postgres.ts).
// Browser tests (`*.browser.test.ts`) drive Debian Chromium against a real Folio
// app serving a real web build (see test/browser/).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts', 'web/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/*.browser.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          env: { FOLIO_TEST_DB: 'pglite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          env: { FOLIO_TEST_DB: 'postgres' },
          globalSetup: ['test/services/postgres.global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.browser.test.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          // One Chromium at a time on a small machine; each file starts its own Folio.
          fileParallelism: false,
          testTimeout: 90_000,
        },
      },
    ],
  },
});
