/**
 * Vitest globalSetup for the `postgres` project (see vitest.config.ts): starts
 * one throwaway PostgreSQL 15 server for the whole run and provides its URL to
 * tests as `inject('postgresUrl')`. Set FOLIO_TEST_POSTGRES_URL to use an
 * existing server instead (it must have pgvector available).
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.FOLIO_TEST_POSTGRES_URL;
  if (external) {
    project.provide('postgresUrl', external);
    return async () => {};
  }
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return async () => {
    await server.stop();
  };
}
