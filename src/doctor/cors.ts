/** CORS origins: exact and well-formed (the config contract refuses anything else), and HTTPS for cross-site cookies. */
import type { Config } from '../config/env.js';
import { type CheckResult, pass, warn } from './types.js';

const LOCAL = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function checkCors(config: Config): CheckResult {
  const origins = config.corsOrigins;
  if (origins.length === 0) return pass('cors', 'CORS_ORIGINS unset: the API answers pages of its own origin only (the web app is served by this server)');
  const plain = origins.filter((o) => o.startsWith('http://') && !LOCAL.test(o));
  if (plain.length > 0) {
    return warn(
      'cors',
      `${plain.join(', ')} ${plain.length === 1 ? 'is' : 'are'} plain http: browsers send the reader cookie across sites only over HTTPS (SameSite=None; Secure)`,
      'serve the web app over https and list its https:// origin in CORS_ORIGINS.',
    );
  }
  return pass('cors', `${origins.length} exact origin${origins.length === 1 ? '' : 's'} allowed: ${origins.join(', ')}`);
}
