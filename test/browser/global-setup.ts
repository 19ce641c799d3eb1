/**
 * Vitest globalSetup for the `browser` project: builds the web reader twice,
 * with fake secrets in the environment: as served by Folio (same origin), and
 * as a CDN build whose API is http://localhost:<cdnApiPort>. The bundle test
 * scans both; the browser tests load them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../services/free-port.js';
import { buildWeb, FAKE_SECRETS } from './build-web.js';

export interface WebBuilds {
  sameOrigin: string;
  cdn: string;
  cdnApiPort: number;
  cdnApiBase: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    webBuilds: WebBuilds;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-web-'));
  const cdnApiPort = await freePort();
  const cdnApiBase = `http://localhost:${cdnApiPort}`;
  const builds: WebBuilds = { sameOrigin: join(dir, 'same-origin'), cdn: join(dir, 'cdn'), cdnApiPort, cdnApiBase };
  await buildWeb(builds.sameOrigin, FAKE_SECRETS);
  await buildWeb(builds.cdn, { ...FAKE_SECRETS, VITE_API_BASE_URL: `${cdnApiBase}/` });
  project.provide('webBuilds', builds);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
