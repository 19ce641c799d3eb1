/**
 * The doctor's accounts layer against a real OpenID Provider process on loopback (test/services/oidc-provider.ts):
 * off, passkeys only, a provider that answers (with and without FOLIO_PUBLIC_URL), and one that does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/services/free-port.js';
import { type OidcProvider, oidcProvider } from '../../test/services/oidc-provider.js';
import { type Config, loadConfig } from '../config/env.js';
import { checkAccounts } from './accounts.js';

let provider: OidcProvider;
const SECRET = `doctor-secret-${crypto.randomUUID()}`;

beforeAll(async () => {
  provider = await oidcProvider({ clientSecret: SECRET, redirectUris: () => ['https://folio.example.com/api/readers/oidc/callback'] });
}, 60_000);

afterAll(async () => {
  await provider?.stop();
});

const config = (env: Record<string, string>): Config => loadConfig({ FOLIO_MODEL: 'none', ...env }, { cwd: '/tmp' });
const oidc = (issuer: string) => ({ FOLIO_OIDC_ISSUER: issuer, FOLIO_OIDC_CLIENT_ID: 'folio-test', FOLIO_OIDC_CLIENT_SECRET: SECRET });

describe('doctor: accounts', () => {
  it('off, and passkeys only', async () => {
    expect(await checkAccounts(config({ FOLIO_ACCOUNTS: 'off' }))).toMatchObject({ status: 'pass', summary: expect.stringContaining('FOLIO_ACCOUNTS=off') });
    expect(await checkAccounts(config({}))).toMatchObject({ status: 'pass', summary: expect.stringContaining('no community login') });
  });

  it('a provider that answers: pass with FOLIO_PUBLIC_URL (naming the redirect URI), a warning without', async () => {
    const withUrl = await checkAccounts(config({ ...oidc(provider.issuer), FOLIO_PUBLIC_URL: 'https://folio.example.com' }));
    expect(withUrl).toMatchObject({ status: 'pass', summary: expect.stringContaining('https://folio.example.com/api/readers/oidc/callback') });
    const without = await checkAccounts(config(oidc(provider.issuer)));
    expect(without).toMatchObject({ status: 'warn', fix: expect.stringContaining('FOLIO_PUBLIC_URL') });
  });

  it('a provider that does not answer, or an address that is not a provider: fail, with the fix, and never the secret', async () => {
    const down = await checkAccounts(config(oidc(`http://127.0.0.1:${await freePort()}`)));
    expect(down).toMatchObject({ status: 'fail', fix: expect.stringContaining('FOLIO_OIDC_ISSUER') });
    const elsewhere = await checkAccounts(config(oidc(`${provider.issuer}/not-the-issuer`)));
    expect(elsewhere.status).toBe('fail');
    expect(JSON.stringify([down, elsewhere])).not.toContain(SECRET);
  });
});
