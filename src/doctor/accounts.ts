/**
 * The accounts layer: whether readers may make accounts (FOLIO_ACCOUNTS), and, with a community login configured
 * (FOLIO_OIDC_*), whether its provider answers discovery from here, so a misspelt issuer is found before a reader
 * meets `unavailable:oidc`.
 */
import type { Config } from '../config/env.js';
import { OidcLogin } from '../readers/oidc.js';
import { type CheckResult, fail, pass, warn } from './types.js';

const LAYER = 'accounts';
/** The doctor asks once, briefly: a provider that needs longer fails sign-ins too. */
const DISCOVERY_TIMEOUT_S = 5;

export async function checkAccounts(config: Config): Promise<CheckResult> {
  if (!config.accounts) return pass(LAYER, 'off (FOLIO_ACCOUNTS=off): every reader is anonymous; devices are linked with one-time codes');
  if (!config.oidc) return pass(LAYER, 'passkeys on; no community login (FOLIO_OIDC_ISSUER is not set)');
  const login = new OidcLogin(config.oidc, DISCOVERY_TIMEOUT_S);
  try {
    await login.configuration();
  } catch (err) {
    return fail(
      LAYER,
      `the community login ${login.name} did not answer discovery: ${(err as Error).message}`,
      `check that FOLIO_OIDC_ISSUER is the issuer exactly as ${config.oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration gives it, and that this machine can reach it.`,
    );
  }
  const summary = `passkeys on; community login ${login.name} answers discovery`;
  // The redirect URI registered at the provider must not depend on how a request happened to arrive.
  return config.publicOrigin
    ? pass(LAYER, `${summary}; redirect URI ${config.publicOrigin}/api/readers/oidc/callback`)
    : warn(LAYER, summary, 'set FOLIO_PUBLIC_URL, so the redirect URI registered at the provider (…/api/readers/oidc/callback) is the one Folio sends.');
}
