/** Runs the real web build (vite, web/vite.config.ts) into a directory, with the given environment. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/**
 * Fake secrets of every kind the server knows, present in the environment of
 * the build: none of them may appear in the output (bundle.browser.test.ts).
 */
export const FAKE_SECRETS: Record<string, string> = {
  ADMIN_TOKEN: 'admin-token-3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11',
  FOLIO_MODEL_API_KEY: 'sk-fake-model-key-9b8a7c6d5e4f3a2b1c0d',
  MODAL_PROXY_TOKEN_SECRET: 'modal-secret-5e6f7a8b9c0d1e2f3a4b',
  S3_SECRET_ACCESS_KEY: 's3-secret-key-1a2b3c4d5e6f7a8b9c0d1e2f',
  DATABASE_URL: 'postgres://folio:db-password-77aa88bb99cc@db.example.invalid/folio',
  VITE_SECRET_THING: 'vite-secret-thing-0d1c2b3a4f5e6d7c',
  VITE_ADMIN_TOKEN: 'vite-admin-token-6a5b4c3d2e1f0a9b',
};

export async function buildWeb(outDir: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE, 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT,
      // NODE_ENV=production as `npm run build` sets it: vitest's NODE_ENV=test would give a development build.
      env: { ...process.env, ...env, NODE_ENV: 'production', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`web build failed (exit ${code}):\n${out}`))));
  });
}
