/**
 * A real OpenID Provider process on a free loopback port (oidc-provider-main.mjs), and a browser's walk through its
 * login: for tests of Folio's OpenID Connect sign-in (src/readers/oidc.db.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export interface OidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Start it (again, after stop()) on the same port. */
  start(): Promise<void>;
  /** Kill the process: the issuer is down. */
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./oidc-provider-main.mjs', import.meta.url));

/** `redirectUris` are the Folio callbacks the client may use; the port is chosen first, so Folio can be told the issuer before. */
export async function oidcProvider(opts: { port?: number; redirectUris: () => string[]; clientSecret?: string }): Promise<OidcProvider> {
  const port = opts.port ?? (await freePort());
  const clientId = 'folio-test';
  const clientSecret = opts.clientSecret ?? `provider-secret-${crypto.randomUUID()}`;
  let child: ChildProcess | null = null;
  let output = '';
  const provider: OidcProvider = {
    issuer: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    async start() {
      const proc = spawn(process.execPath, [MAIN], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          OIDC_PORT: String(port),
          OIDC_CLIENT_ID: clientId,
          OIDC_CLIENT_SECRET: clientSecret,
          OIDC_REDIRECT_URIS: opts.redirectUris().join(','),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`oidc-provider did not start in 20 s:\n${output}`)), 20_000);
        proc.stdout!.on('data', (d: Buffer) => {
          output += d.toString();
          if (output.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.stderr!.on('data', (d: Buffer) => {
          output += d.toString();
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`oidc-provider exited (${code}):\n${output}`));
        });
      });
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      });
    },
  };
  await provider.start();
  return provider;
}

/** A browser's cookies for one site, enough for the provider's and Folio's: name → value, path ignored. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** A GET without following redirects, the cookies sent and kept. */
  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(this.cookies.size ? { cookie: this.header() } : {}) } });
    this.take(res);
    return res;
  }
}

/**
 * At the provider, as the browser: follow its redirects from the authorization URL, log in as `login` at the
 * interaction, and return the URL it finally sends the browser to (Folio's callback with `code`, `state` and `iss`).
 */
export async function loginAtProvider(authorizationUrl: string, login: string, jar = new CookieJar()): Promise<string> {
  let url = authorizationUrl;
  const origin = new URL(authorizationUrl).origin;
  for (let hop = 0; hop < 10; hop++) {
    const res = await jar.get(url);
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (res.status === 200 && /\/interaction\//.test(url) && !url.includes('login=')) {
      url = `${url}?login=${encodeURIComponent(login)}`;
      continue;
    }
    if (!location) throw new Error(`the provider answered ${res.status} at ${url} without a redirect`);
    const next = new URL(location, url);
    if (next.origin !== origin) return next.href;
    url = next.href;
  }
  throw new Error('the provider redirected more than 10 times');
}
