/**
 * The build bundles with esbuild, which strips types without checking them:
 * this is where `strict` TypeScript is enforced for every file in tsconfig.json.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the whole project type-checks (tsc --noEmit, strict)', () => {
  const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', '--pretty', 'false'], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 180_000);

it('the web app type-checks (tsc -p web/tsconfig.json, strict, DOM)', () => {
  const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join('web', 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 180_000);
