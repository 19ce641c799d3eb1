import { describe, expect, it } from 'vitest';
import { WEB_CSP } from '../src/http/routes/web.js';
import { pagesHeaders } from './pages-headers.js';

describe('pagesHeaders', () => {
  it("the web app's policy with the API origin allowed for fetch, and the other headers", () => {
    const text = pagesHeaders('https://folio-api.fly.dev/');
    const csp = /Content-Security-Policy: (.*)/.exec(text)![1]!;
    expect(csp).toContain("connect-src 'self' https://folio-api.fly.dev;");
    expect(csp.replace(' https://folio-api.fly.dev', '')).toBe(WEB_CSP);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(text.startsWith('/*\n')).toBe(true);
    for (const h of ['X-Content-Type-Options: nosniff', 'Referrer-Policy: same-origin', 'X-Frame-Options: DENY']) expect(text).toContain(`  ${h}\n`);
  });
  it('refuses what is not an http(s) URL', () => {
    expect(() => pagesHeaders('ftp://x')).toThrow(/http/);
    expect(() => pagesHeaders('folio-api')).toThrow();
  });
});
