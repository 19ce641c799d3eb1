import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from './errors.js';

const SRC = new URL('..', import.meta.url).pathname;

/** The server's source, tests and the contract itself left out. */
function serverSource(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(SRC, 'contract')) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(SRC);
  return out.join('\n');
}

describe('error codes', () => {
  const source = serverSource();

  it('are unique and each has a known kind', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(Object.keys(ERROR_STATUS)).toContain(code.split(':')[0]);
  });

  // The type system keeps the server from sending a code not in the list; this keeps the list from
  // naming codes nothing sends (a client handling one would handle nothing).
  it('are each sent by some server code', () => {
    const unsent = ERROR_CODES.filter((code) => {
      if (source.includes(`'${code}'`)) return false;
      // bad_request / unsupported_media_type codes of validation are built from the surface given to parseWith/readJson.
      const [kind, surface] = code.split(':');
      if (kind === 'bad_request' && new RegExp(`parseWith\\([^;]*?'${surface}'`).test(source)) return false;
      if ((kind === 'bad_request' || kind === 'unsupported_media_type') && new RegExp(`readJson\\([^;]*?'${surface}'`).test(source)) return false;
      return true;
    });
    expect(unsent).toEqual([]);
  });
});
