import { defineConfig } from 'vitest/config';

// Unit tests (`*.test.ts`) run once. Database tests (`*.db.test.ts`) run twice:
// against embedded PGlite and against a real PostgreSQL server that the global
// setup starts on a free loopback port (see test/services/postgres.ts).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
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
    ],
  },
});
