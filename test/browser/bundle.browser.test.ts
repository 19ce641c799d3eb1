/**
 * Secrets never reach the browser: the web build ran (global-setup.ts) with
 * fake secrets of every kind in its environment; every file of the output is
 * scanned for them, for any other secret-looking value of this environment,
 * and for VITE_ variables other than VITE_API_BASE_URL.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { FAKE_SECRETS } from './build-web.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

/** Values of this process's environment that look like secrets (by name), at least 8 characters. */
function secretLookingEnv(): string[] {
  return Object.entries(process.env)
    .filter(([k, v]) => /TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE|DATABASE_URL|CREDENTIAL/i.test(k) && v && v.length >= 8)
    .map(([, v]) => v!);
}

interface Finding {
  file: string;
  what: string;
}

/** Everything in a build directory that must not be there. */
async function scan(dir: string, secrets: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of await filesUnder(dir)) {
    const text = (await readFile(file)).toString('latin1');
    for (const s of secrets) if (text.includes(s)) findings.push({ file, what: `secret value ${s.slice(0, 6)}…` });
    for (const m of text.matchAll(/VITE_[A-Z0-9_]+/g)) if (m[0] !== 'VITE_API_BASE_URL') findings.push({ file, what: m[0] });
    if (file.endsWith('.map')) findings.push({ file, what: 'source map' });
    // A development build names the build machine's paths and ships React's dev runtime.
    if (text.includes(ROOT)) findings.push({ file, what: `the build machine's path ${ROOT}` });
    // Calls of the dev JSX runtime (`(0,x.jsxDEV)(…)`), or React's dev-only warnings. The bare word is not enough:
    // the markdown renderer's hast-util-to-jsx-runtime names a `jsxDEV` option in production too.
    if (/jsxDEV\)?\(/.test(text) || text.includes('unique "key" prop')) findings.push({ file, what: 'a development build (jsxDEV)' });
  }
  return findings;
}

const ROOT = join(import.meta.dirname, '..', '..');
const SECRETS = [...Object.values(FAKE_SECRETS), ...secretLookingEnv(), 'db-password-77aa88bb99cc'];

describe('the built web app contains no secrets', () => {
  it('the scan finds a planted secret and a stray VITE_ variable (it can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folio-scan-'));
    try {
      await writeFile(join(dir, 'a.js'), `const t = "${FAKE_SECRETS.ADMIN_TOKEN}"; import.meta.env.VITE_SECRET_THING; jsxDEV("${ROOT}/web/src/x.tsx")`);
      const found = await scan(dir, SECRETS);
      expect(found.map((f) => f.what)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^secret value/),
          'VITE_SECRET_THING',
          'a development build (jsxDEV)',
          expect.stringMatching(/^the build machine/),
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const which of ['sameOrigin', 'cdn'] as const) {
    it(`${which} build: no fake or real secret, no VITE_ variable but VITE_API_BASE_URL, no source maps`, async () => {
      const dir = inject('webBuilds')[which];
      const files = await filesUnder(dir);
      expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
      expect(files.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(0);
      expect(await scan(dir, SECRETS)).toEqual([]);
    });
  }

  it('the API base is baked into the CDN build only, normalised', async () => {
    const { sameOrigin, cdn, cdnApiBase } = inject('webBuilds');
    const text = async (dir: string) => (await Promise.all((await filesUnder(dir)).map((f) => readFile(f, 'utf8')))).join('\n');
    const cdnText = await text(cdn);
    // As a string literal ("…" or `…`), without the trailing slash it was given with.
    expect(cdnText).toMatch(new RegExp(`["'\`]${cdnApiBase.replace(/[.:/]/g, '\\$&')}["'\`]`));
    expect(cdnText).not.toContain(`${cdnApiBase}/"`);
    expect(cdnText).not.toContain(`${cdnApiBase}/\``);
    expect(await text(sameOrigin)).not.toContain(cdnApiBase);
  });

  it('index.html loads only files: no inline script or style', async () => {
    const html = await readFile(join(inject('webBuilds').sameOrigin, 'index.html'), 'utf8');
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(m[1]).toMatch(/\bsrc="\/assets\//);
      expect(m[2]!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle="/);
  });
});
