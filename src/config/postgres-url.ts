import { isIPv6 } from 'node:net';
import { userInfo as userInfo_ } from 'node:os';

/** One configuration problem: the variable at fault and what to do about it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/**
 * Thrown at boot when the environment is wrong. The message lists every problem, one per
 * line, each line starting with the variable name (`PORT: must be ...`). Secret values are
 * never part of it.
 *
 * It lives here (and is re-exported by `env.ts`, its public home) so that this leaf module
 * does not import `env.ts`, which imports it: no import cycle.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.variable}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | { rejectUnauthorized: boolean };
  /** true when the URL points at a pooler (PgBouncer/Neon `-pooler` host, or `?pgbouncer=true`); the app never uses named prepared statements either way */
  pooled: boolean;
  /** the URL with the password replaced by `***`, safe for logs */
  redacted: string;
  /** application_name and other libpq options we pass through: only `application_name` and `options` */
  applicationName?: string;
  /** libpq `options` (e.g. Neon's `endpoint=ep-...` for clients without SNI, or `-c search_path=folio`), passed to the server as-is */
  options?: string;
}

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Query parameters we understand and pass on to the driver. */
const PASSED_PARAMS = ['sslmode', 'host', 'application_name', 'options'] as const;
/** Query parameters that providers put in their URLs and that we read (pgbouncer) or drop. */
const DROPPED_PARAMS = ['channel_binding', 'pgbouncer'] as const;

const DEFAULT_PORT = 5432;
const EXAMPLE = 'postgres://user:password@host:5432/folio';

/**
 * Parses a libpq-style connection URI into what node-postgres needs. Throws a ConfigError
 * whose lines name `variable` (e.g. `DATABASE_URL`) and never contain the password.
 *
 * Passwords should be percent-encoded, as libpq requires; as a courtesy, an unencoded `@`,
 * `/`, `?` or `:` in the password still works because the user info ends at the last `@`.
 * (So a query value containing `@` must be written `%40`.)
 */
export function parsePostgresUrl(raw: string, variable: string): PgConnection {
  const problems: string[] = [];
  const fail = (message: string): void => {
    problems.push(message);
  };
  const value = raw.trim();

  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (!schemeMatch || (scheme !== 'postgres' && scheme !== 'postgresql')) {
    const got = schemeMatch ? `${schemeMatch[1]}://…` : 'a value without a scheme';
    throw new ConfigError([
      {
        variable,
        message: `must start with postgres:// or postgresql:// (got ${got}). Fix: use a URL such as ${EXAMPLE}.`,
      },
    ]);
  }
  const rest = value.slice(schemeMatch[0].length);

  // User info ends at the last '@' (see above); the host ends at the first '/' or '?' after it.
  const at = rest.lastIndexOf('@');
  const userInfo = at >= 0 ? rest.slice(0, at) : undefined;
  const afterUser = at >= 0 ? rest.slice(at + 1) : rest;
  const hostEnd = firstIndexOf(afterUser, ['/', '?']);
  const hostPort = afterUser.slice(0, hostEnd);
  const afterHost = afterUser.slice(hostEnd);
  const queryStart = afterHost.indexOf('?');
  const rawPath = queryStart >= 0 ? afterHost.slice(0, queryStart) : afterHost;
  const rawQuery = queryStart >= 0 ? afterHost.slice(queryStart + 1) : '';

  // --- user and password
  let user = '';
  let password: string | undefined;
  let rawUser = '';
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    rawUser = colon >= 0 ? userInfo.slice(0, colon) : userInfo;
    const rawPassword = colon >= 0 ? userInfo.slice(colon + 1) : undefined;
    const decodedUser = decode(rawUser);
    if (decodedUser === undefined) fail('the user name is not valid percent-encoding. Fix: write a literal % as %25.');
    else user = decodedUser;
    if (rawPassword !== undefined && rawPassword !== '') {
      password = decode(rawPassword);
      if (password === undefined) {
        fail('the password is not valid percent-encoding. Fix: percent-encode special characters in the password (% as %25, @ as %40, / as %2F, ? as %3F, # as %23).');
      }
    }
  }
  const noUser = userInfo === undefined || rawUser === '';

  // --- host and port
  let host = '';
  let port = DEFAULT_PORT;
  let portText: string | undefined;
  let hostProblem = false;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    const inside = close > 0 ? hostPort.slice(1, close) : '';
    const tail = close > 0 ? hostPort.slice(close + 1) : '';
    if (close < 0 || !isIPv6(inside) || (tail !== '' && !tail.startsWith(':'))) {
      hostProblem = true;
      fail('has an invalid bracketed IPv6 host. Fix: write it like postgres://user@[::1]:5432/folio.');
    } else {
      host = inside;
      if (tail.startsWith(':')) portText = tail.slice(1);
    }
  } else if (hostPort.includes(',')) {
    hostProblem = true;
    fail('lists several hosts; Folio connects to exactly one. Fix: keep a single host:port.');
  } else {
    const colon = hostPort.indexOf(':');
    host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
    if (colon >= 0) portText = hostPort.slice(colon + 1);
    if (host !== '' && !/^[A-Za-z0-9._-]+$/.test(host)) {
      hostProblem = true;
      fail('has an invalid host name. Fix: use a host name, an IPv4 address, or a bracketed IPv6 address such as [::1].');
    }
  }
  if (portText !== undefined) {
    const n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      fail(`has an invalid port (got "${portText.slice(0, 12)}"). Fix: use a number between 1 and 65535, or omit it for ${DEFAULT_PORT}.`);
    } else {
      port = n;
    }
  }

  // --- database
  let database = '';
  const rawDatabase = rawPath.replace(/^\//, '');
  if (rawDatabase === '') {
    fail(`must name a database after the host (e.g. ${EXAMPLE}).`);
  } else {
    const decoded = decode(rawDatabase);
    if (decoded === undefined) fail('the database name is not valid percent-encoding. Fix: write a literal % as %25.');
    else database = decoded;
  }

  // --- query parameters
  const params = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq >= 0 ? pair.slice(0, eq) : pair);
    const val = decode(eq >= 0 ? pair.slice(eq + 1) : '');
    const shownKey = key !== undefined && /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(key) ? `"${key}"` : undefined;
    if (key === undefined || val === undefined) {
      fail(`has a query parameter${shownKey ? ` ${shownKey}` : ''} that is not valid percent-encoding.`);
      continue;
    }
    if ((PASSED_PARAMS as readonly string[]).includes(key) || (DROPPED_PARAMS as readonly string[]).includes(key)) {
      params.set(key, val);
    } else {
      fail(
        `unknown query parameter ${shownKey ?? '(an unreadable name)'}. Folio understands ${PASSED_PARAMS.join(', ')} ` +
          `and ignores ${DROPPED_PARAMS.join(', ')}. Fix: remove it from ${variable}.`,
      );
    }
  }

  const socketOrHost = params.get('host');
  if (socketOrHost !== undefined) {
    if (socketOrHost === '') {
      hostProblem = true;
      fail('has an empty ?host= parameter. Fix: give a socket directory such as ?host=/var/run/postgresql.');
    } else host = socketOrHost;
  }
  const isSocket = host.startsWith('/');
  if (noUser) {
    // Over a Unix socket, libpq's default user (the operating system's) is the usual setup: peer authentication,
    // as the Raspberry Pi guide does (postgres:///folio?host=/var/run/postgresql). Over TCP, say who.
    if (isSocket) user = userInfo_().username;
    else fail(`must include a user name (e.g. ${EXAMPLE}; only a Unix socket connection may leave it out, as the system user).`);
  }
  if (host === '' && !hostProblem) {
    fail(`has no host. Fix: put it after the @ (${EXAMPLE}) or give a Unix socket directory with ?host=/var/run/postgresql.`);
  }

  const lowerHost = host.toLowerCase();
  const isNeon = lowerHost.endsWith('.neon.tech');

  let pooled = !isSocket && (lowerHost.split('.')[0] ?? '').endsWith('-pooler');
  const pgbouncer = params.get('pgbouncer');
  if (pgbouncer !== undefined) {
    const flag = pgbouncer.toLowerCase();
    if (flag === 'true' || flag === '1') pooled = true;
    else if (flag !== 'false' && flag !== '0') fail(`has pgbouncer=${JSON.stringify(pgbouncer.slice(0, 20))}; it must be true or false.`);
  }

  let ssl: PgConnection['ssl'] = false;
  const sslmode = params.get('sslmode');
  if (sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    fail(`has an unknown sslmode ${JSON.stringify(sslmode.slice(0, 20))}. Fix: use one of ${SSL_MODES.join(', ')}.`);
  } else {
    const mode: SslMode = (sslmode as SslMode | undefined) ?? (isNeon ? 'require' : 'disable');
    ssl = isSocket ? false : sslFor(mode);
  }

  if (problems.length) throw new ConfigError(problems.map((message) => ({ variable, message })));

  const redacted = userInfo === undefined ? value : `${schemeMatch[0]}${rawUser}${password !== undefined ? ':***' : ''}@${afterUser}`;

  const connection: PgConnection = { host, port, user, password, database, ssl, pooled, redacted };
  const applicationName = params.get('application_name');
  if (applicationName) connection.applicationName = applicationName;
  const options = params.get('options');
  if (options) connection.options = options;
  return connection;
}

/**
 * libpq's sslmode, translated for node-postgres. `allow` and `prefer` mean "try TLS, fall
 * back to plain": node-postgres cannot do that, and we do not do opportunistic TLS, so they
 * connect without TLS. `require` encrypts without verifying the certificate (libpq's meaning).
 */
function sslFor(mode: SslMode): PgConnection['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function firstIndexOf(s: string, chars: readonly string[]): number {
  let min = s.length;
  for (const c of chars) {
    const i = s.indexOf(c);
    if (i >= 0 && i < min) min = i;
  }
  return min;
}
