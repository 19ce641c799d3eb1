/** The web-build check against real Vite builds: same-origin, and a CDN build with VITE_API_BASE_URL. */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../test/browser/build-web.js';
import { loadConfig } from '../config/env.js';
import { DEFAULT_WEB_DIR } from '../config/web-dir.js';
import { checkWebBuild } from './web.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'folio-doctor-web-'));
  await buildWeb(join(out, 'cdn'), { VITE_API_BASE_URL: 'https://api.folio.example' });
}, 180_000);
afterAll(() => rm(out, { recursive: true, force: true }));

const config = (env: Record<string, string> = {}) => loadConfig(env, { cwd: out });

describe('checkWebBuild', () => {
  it('a CDN build names its API; without CORS_ORIGINS that is a warning, with it a pass', () => {
    const without = checkWebBuild(join(out, 'cdn'), config());
    expect(without.status).toBe('warn');
    expect(without.summary).toContain('VITE_API_BASE_URL=https://api.folio.example');
    expect(without.fix).toContain('CORS_ORIGINS');
    const withCors = checkWebBuild(join(out, 'cdn'), config({ CORS_ORIGINS: 'https://web.folio.example' }));
    expect(withCors).toMatchObject({ status: 'pass' });
    expect(withCors.summary).toContain('built for the API at https://api.folio.example');
  });

  it.runIf(existsSync(join(DEFAULT_WEB_DIR, 'index.html')))('the `npm run build` output here: same origin', () => {
    expect(checkWebBuild(DEFAULT_WEB_DIR, config()).summary).toContain('built for the same origin');
  });

  it('no build: a warning with the command', () => {
    const r = checkWebBuild(join(out, 'missing'), config());
    expect(r.status).toBe('warn');
    expect(r.fix).toContain('npm run build');
  });
});
