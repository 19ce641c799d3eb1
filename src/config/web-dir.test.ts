import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULT_WEB_DIR } from './web-dir.js';

it('the default web dir is dist/web at the package root (from the sources as from the bundle)', () => {
  expect(DEFAULT_WEB_DIR.replace(/\/$/, '')).toBe(join(process.cwd(), 'dist', 'web'));
});
